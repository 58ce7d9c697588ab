"""Running it for real: production settings, health check, request log, CSP, Redis, backups."""

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    return python("manage.py", *args, **env)


def python(*args, **env):
    """Python in a process of its own, in the project, without this one's DJANGO_ settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key_or_hosts():
    result = manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="register.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    result = manage("check", DJANGO_ENV="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_deploy_check_has_no_warnings_in_production():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="register.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PERF_COMMANDS = ("benchmark", "generate_synthetic", "loadtest")


def listed_commands(result) -> set[str]:
    assert result.returncode == 0, result.stderr
    return {line.strip() for line in result.stdout.splitlines() if line.startswith("    ")}


def test_the_development_tools_are_not_installed_in_production():
    """perf/ (benchmark, load and fault tests, synthetic data) is for development only."""
    production = listed_commands(
        manage(
            "help",
            DJANGO_ENV="production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="example.org",
        )
    )
    assert "setup_register" in production  # the register's own commands are listed
    assert not production.intersection(PERF_COMMANDS)
    development = listed_commands(manage("help"))
    assert development.issuperset(PERF_COMMANDS)


def test_the_server_process_hides_what_it_loaded_from_the_garbage_collector():
    """gunicorn loads sharedservices.wsgi in each worker: everything loaded by then (the
    views through the URLconf included) is frozen, so that collections during requests
    do not walk it."""
    script = (
        "import gc, sys; import sharedservices.wsgi; "
        "print(gc.get_freeze_count(), 'register.views.arrangements' in sys.modules)"
    )
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000 and views_loaded == "True", result.stdout


@pytest.mark.django_db
def test_healthz_answers_for_the_database(client, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "not answering"


@pytest.mark.django_db
def test_one_log_line_per_request_without_the_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="register.requests"):
        response = client.get("/arrangements/?q=someone's+name", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    (record,) = [r for r in caplog.records if r.name == "register.requests"]
    line = json.loads(record.getMessage())
    assert line["method"] == "GET" and line["path"] == "/arrangements/"
    assert line["status"] == 200 and line["request_id"] == "abc-123"
    assert isinstance(line["duration_ms"], float)
    assert "someone" not in record.getMessage()
    with caplog.at_level(logging.INFO, logger="register.requests"):
        generated = client.get("/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert len(generated) == 32 and generated.isalnum()


@pytest.mark.django_db
def test_content_security_policy_allows_only_this_site_and_the_nonced_script(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.content.decode()


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: no Redis to test"
)
@pytest.mark.django_db
def test_cache_and_sessions_live_in_redis(client, settings):
    import redis
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("probe", "value", 30)
    assert cache.get("probe") == "value"
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("someone", password="a long enough password 1"))
    key = client.session.session_key
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(key in name.decode() for name in server.keys("*django.contrib.sessions*"))


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, seeded):
    from register.models import Arrangement, Finding, Saving

    wylaw = Arrangement.objects.get(slug="wylaw")
    wylaw.status = "ended"
    wylaw.save()

    def snapshot():
        from django.db.models import Sum

        return {
            "arrangements": Arrangement.objects.count(),
            "savings": Saving.objects.aggregate(total=Sum("amount"))["total"],
            "findings": Finding.objects.count(),
            "history": list(
                Arrangement.history.order_by("history_id").values_list(
                    "history_id", "slug", "status", "history_type"
                )
            ),
        }

    before = snapshot()
    backup = tmp_path / ("backup.dump" if connection.vendor == "postgresql" else "backup.json")
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    Arrangement.history.all().delete()
    Saving.objects.all().delete()
    Finding.objects.all().delete()
    assert snapshot() != before
    call_command("restore", "--input", str(backup), "--yes", stdout=io.StringIO())
    assert snapshot() == before
