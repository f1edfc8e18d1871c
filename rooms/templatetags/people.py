"""`{{ user|person }}`: a person's name as written (rooms.models.accounts.person_name)."""

from django import template

from rooms.models.accounts import person_name

register = template.Library()


@register.filter
def person(user: object) -> str:
    return person_name(user)
