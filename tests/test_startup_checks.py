"""A production server never runs with the development SECRET_KEY: `check --deploy` fails, and so
does a start with VCONF_SECURE=1 (uvicorn imports vconf.asgi and runs no system check)."""

import secrets

from tests.test_deploy_check import PRODUCTION, run

WITHOUT_KEY = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}


def test_check_deploy_fails_on_the_development_secret_key():
    result = run(["check", "--deploy"], {k: v for k, v in WITHOUT_KEY.items() if k != "VCONF_SECURE"})
    assert result.returncode == 1
    assert "vconf.E001" in result.stdout + result.stderr


def test_check_deploy_accepts_a_real_secret_key():
    extra = {k: v for k, v in PRODUCTION.items() if k != "VCONF_SECURE"} | {"SECRET_KEY": secrets.token_urlsafe(48)}
    result = run(["check", "--deploy"], extra)
    assert "vconf.E001" not in result.stdout + result.stderr


def test_a_secure_start_with_the_development_key_fails():
    code = "import vconf.asgi"
    result = run(["shell", "-c", code], WITHOUT_KEY)
    assert result.returncode == 1
    assert "SECRET_KEY is the built-in development key" in result.stderr


def test_a_secure_start_with_a_real_key_succeeds():
    result = run(["shell", "-c", "import vconf.asgi; print('started')"], PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
