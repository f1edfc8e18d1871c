"""Production settings: `manage.py check --deploy` is clean once the production variables are set."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters, as `check --deploy` wants 50+
    "ALLOWED_HOSTS": "vconf.langson.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://vconf.langson.gov.vn",
    "SITE_URL": "https://vconf.langson.gov.vn",
    "VCONF_SECURE": "1",
    # Production runs several workers: without Redis, check --deploy warns (vconf.W011).
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run(args: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "VCONF_SECURE"}}
    env.update(extra)
    env["DJANGO_SETTINGS_MODULE"] = "vconf.settings"
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_variables():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_them():
    # The same check on development settings must complain, or the test above proves nothing.
    result = run(["check", "--deploy", "--fail-level", "WARNING"], {"DEBUG": "1"})
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016", "security.W018"):
        assert warning in result.stdout + result.stderr


def test_production_cookies_and_headers_are_secure():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', 'SECURE_PROXY_SSL_HEADER']}))"
    )
    result = run(["shell", "-c", code], PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
