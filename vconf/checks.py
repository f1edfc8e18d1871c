"""System checks of the project's own settings (`manage.py check`, `check --deploy`).

Django's own security.W009 passes our development key (it is long and varied), so a production
server started without SECRET_KEY would sign sessions, CSRF tokens and password-reset links with
a key anyone can read in the source. Registered in rooms/apps.py.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# The default of vconf/settings.py, for development and tests only.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"


def secret_key_errors() -> list[checks.CheckMessage]:
    if settings.SECRET_KEY != DEVELOPMENT_SECRET_KEY:
        return []
    return [
        checks.Error(
            "SECRET_KEY is the built-in development key.",
            hint="Set SECRET_KEY to a random value of 50 characters or more (docs/deployment.md).",
            id="vconf.E001",
        )
    ]


def check_secret_key(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    return secret_key_errors()


def register() -> None:
    checks.register(check_secret_key, checks.Tags.security, deploy=True)


def refuse_insecure_start() -> None:
    """Stop a production start (VCONF_SECURE=1) that has the development key: uvicorn runs no
    system checks, so `check --deploy` alone would not keep such a server from serving."""
    from vconf.settings import env_bool

    if env_bool("VCONF_SECURE") and (errors := secret_key_errors()):
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
