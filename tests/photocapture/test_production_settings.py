"""Outside demo mode a process started without production settings refuses to start, naming
what is missing; with them, Django's deployment checks pass without a warning."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7#Lq9!vTz2@pR4mW8&nK1^bY6*cH3%jD5$gF0(sA)eU-oI+wE=rQ_tZ~yX",
    "REDIS_URL": "redis://127.0.0.1:6399/0",
    "DJANGO_ALLOWED_HOSTS": "photo.example.edu.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://photo.example.edu.cn",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "EMAIL_HOST": "smtp.example.edu.cn",
    "SMS_BACKEND": "notifications.sms.FileSmsBackend",
    "DATABASE_URL": "sqlite:///:memory:",
    "COLLECTION_CODE_KEY": "k3!Vb8#Qw2$Lm9^Zt4&Hn7*Rc1(Pj6)Gs5",
}


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "REDIS_", "EMAIL_", "SMS_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "photocapture.settings", **PRODUCTION}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "short"}, "shorter than 50 characters"),
        ({"REDIS_URL": None}, "no Celery broker"),
        ({"REDIS_URL": None, "CELERY_BROKER_URL": "redis://127.0.0.1:6399/1"}, "REDIS_URL is not set"),
        ({"CELERY_TASK_ALWAYS_EAGER": "true"}, "CELERY_TASK_ALWAYS_EAGER=true"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS is empty"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "EMAIL_BACKEND is the console backend"),
        ({"SMS_BACKEND": None}, "SMS_BACKEND is not set"),
        ({"SMS_BACKEND": "notifications.sms.ConsoleSmsBackend"}, "SMS_BACKEND is the console backend"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": "photo.example.edu.cn"}, "DJANGO_CSRF_TRUSTED_ORIGINS needs scheme"),
        ({"BEAT_DAILY_AT": "privacy.erase_due_campaigns=9h"}, "is not a time as HH:MM"),
        ({"COLLECTION_CODE_KEY": None}, "COLLECTION_CODE_KEY is not set"),
        (
            {"SMS_BACKEND": "notifications.providers.aliyun.AliyunSmsBackend", "ALIYUN_SMS_ACCESS_KEY_ID": "ak"},
            "AliyunSmsBackend needs SMS_SIGN_NAME, ALIYUN_SMS_ACCESS_KEY_SECRET",
        ),
        (
            {"SMS_BACKEND": "notifications.providers.tencent.TencentSmsBackend", "SMS_SIGN_NAME": "某大学"},
            "TencentSmsBackend needs TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID",
        ),
        ({"WECOM_CORP_ID": "wwcorp"}, "WeCom app messages also need WECOM_SECRET and WECOM_AGENT_ID"),
        ({"COLLECTION_CODE_KEY": PRODUCTION["DJANGO_SECRET_KEY"]}, "equal to DJANGO_SECRET_KEY"),
    ],
)
def test_the_process_refuses_to_start_and_says_why(overrides, message):
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr[-2000:]


def test_every_problem_is_named_at_once():
    result = manage("check", DJANGO_SECRET_KEY=None, REDIS_URL=None, DJANGO_ALLOWED_HOSTS=None, SMS_BACKEND=None)
    assert result.returncode != 0
    for name in ("DJANGO_SECRET_KEY", "no Celery broker", "DJANGO_ALLOWED_HOSTS", "SMS_BACKEND"):
        assert name in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_mode_starts_without_any_of_them():
    result = manage("check", **{key: None for key in PRODUCTION}, DJANGO_DEMO="true")
    assert result.returncode == 0, result.stderr


def test_behind_a_transaction_pooler_the_database_has_no_server_side_cursors():
    show = "from django.conf import settings; print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'))"
    # The last line: the shell first says how many objects it imported.
    assert manage("shell", "-c", show, DB_TRANSACTION_POOLER="true").stdout.split()[-1] == "True"
    assert manage("shell", "-c", show).stdout.split()[-1] == "None"
