"""`manage.py check --deploy` with the variables production sets: no warning at all."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "CACHE_", "DATABASE_", "SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chonaikai.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters of 64 symbols
            "ALLOWED_HOSTS": "chonaikai.city.example.jp",
            "SITE_URL": "https://chonaikai.city.example.jp",
            # The components production runs; nothing connects to them during the checks.
            "DATABASE_URL": "postgres://chonaikai@127.0.0.1:5432/chonaikai",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        }
    )
    env.update(extra)
    return env


def run_deploy_check(**extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_no_warning_under_production_settings():
    result = run_deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_deploy_check_refuses_a_short_secret_key():
    """The check is real: a weak key is reported (security.W009), so the test above means something."""
    result = run_deploy_check(SECRET_KEY="too-short")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
