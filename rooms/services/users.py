"""User accounts as the national network needs them (API.md "The national network"): one role
each (a Django group of the role's name), a home unit, the full name as written, and for an
operator the rooms they run. The API, the CSV import and the admin call these functions."""

from collections.abc import Collection

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Profile, Role, Unit

# Listed in this order, the first role a user holds is the one the API shows.
ROLE_ORDER = [Role.ADMINISTRATOR, Role.STAFF, Role.LEADER, Role.OPERATOR, Role.REQUESTER]


def role_of(user: User) -> str | None:
    """The user's role: superusers are administrators; else the first role group they are in."""
    if user.is_superuser:
        return Role.ADMINISTRATOR
    names = {group.name for group in user.groups.all()}
    return next((role.value for role in ROLE_ORDER if role in names), None)


def _valid_username(username: str) -> bool:
    try:
        User.username_validator(username)
    except ValidationError:
        return False
    return len(username) <= 150


def _check_account(
    user: User, *, role: str | None, password: str | None, endpoints: Collection[Endpoint] | None
) -> None:
    errors: dict[str, list[str]] = {}
    user.username = (user.username or "").strip()
    if not user.username:
        errors["username"] = [_("Bắt buộc.")]
    elif not _valid_username(user.username):
        errors["username"] = [_("Chỉ dùng chữ, số và các ký tự @ . + - _ (tối đa 150).")]
    elif User.objects.filter(username__iexact=user.username).exclude(pk=user.pk).exists():
        errors["username"] = [_("Tên đăng nhập “%s” đã có.") % user.username]
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError:
            errors["email"] = [_("Địa chỉ e-mail không hợp lệ.")]
    if role is not None and role not in Role.values:
        errors["role"] = [_("Chọn một trong: %s.") % ", ".join(Role.values)]
    if endpoints and role != Role.OPERATOR:
        errors["endpoints"] = [_("Chỉ kỹ thuật viên (operator) được giao điểm cầu.")]
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)


def _save_profile(user: User, fields: dict[str, object]) -> None:
    profile, _created = Profile.objects.get_or_create(user=user)
    for name in ("full_name", "phone", "home_unit"):
        if name in fields:
            setattr(profile, name, fields[name])
    profile.full_clean(exclude=["user"])
    profile.save()


def _set_role(user: User, role: str) -> None:
    # The other role groups go: one role each. Groups that are not roles stay.
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role))
    user.groups.add(Group.objects.get_or_create(name=role)[0])


@transaction.atomic
def create_user(
    *,
    username: str,
    role: str,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    home_unit: Unit | None = None,
    is_active: bool = True,
    password: str | None = None,
    endpoints: Collection[Endpoint] | None = None,
) -> User:
    """A new account. Without a password it cannot sign in until an administrator sets one."""
    user = User(username=username, email=email or "", is_active=is_active)
    _check_account(user, role=role, password=password, endpoints=endpoints)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _save_profile(user, {"full_name": full_name, "phone": phone, "home_unit": home_unit})
    _set_role(user, role)
    if endpoints:
        user.operated_endpoints.set(endpoints)
    return user


@transaction.atomic
def update_user(
    *,
    user: User,
    role: str | None = None,
    password: str | None = None,
    endpoints: Collection[Endpoint] | None = None,
    **fields: object,
) -> User:
    """Change what is given; `endpoints` replaces the rooms an operator runs."""
    for name in ("username", "email", "is_active"):
        if name in fields:
            setattr(user, name, fields.pop(name) if name != "email" else (fields.pop(name) or ""))
    new_role = role or role_of(user)
    keeps_rooms = endpoints if endpoints is not None else None
    if role and role != Role.OPERATOR and endpoints is None and user.operated_endpoints.exists():
        keeps_rooms = []  # an account that stops being an operator stops running rooms
    _check_account(user, role=new_role, password=password, endpoints=endpoints)
    if password:
        user.set_password(password)
    user.save()
    _save_profile(user, fields)
    if role:
        _set_role(user, role)
    if keeps_rooms is not None:
        user.operated_endpoints.set(keeps_rooms)
    return user
