"""What production settings must have, checked when the settings load: a process started
without them refuses to start with every missing piece named (a web server that starts on a
committed demo key, or runs every task inside web requests, fails silently instead)."""

from django.core.exceptions import ImproperlyConfigured

DEMO_SECRET_KEY = "insecure-demo-key-only-for-dev-py-demo-and-tests-0123456789abcdef"
CONSOLE_BACKENDS = ("django.core.mail.backends.console.EmailBackend", "notifications.sms.ConsoleSmsBackend")


def production_problems(
    *,
    secret_key: str,
    broker_url: str,
    collection_code_key: str = "",
    redis_url: str,
    always_eager: bool,
    allowed_hosts: list[str],
    email_backend: str,
    sms_backend: str,
    csrf_trusted_origins: list[str],
    proxy_ssl_header: list[str],
    messaging: dict[str, object] | None = None,
    cas_server_url: str = "",
    cas_version: str = "3",
) -> list[str]:
    problems = []
    if not secret_key:
        problems.append("DJANGO_SECRET_KEY is not set (50+ random characters, e.g. from `openssl rand -base64 48`)")
    elif secret_key == DEMO_SECRET_KEY or len(secret_key) < 50:
        problems.append("DJANGO_SECRET_KEY is the demo key or shorter than 50 characters")
    if len(collection_code_key) < 32 or collection_code_key == secret_key:
        problems.append(
            "COLLECTION_CODE_KEY is not set, shorter than 32 characters or equal to DJANGO_SECRET_KEY"
            " (the key of the bound 采集码 hashes; changing it later means every student binds again)"
        )
    if not broker_url:
        problems.append("no Celery broker: set REDIS_URL (or CELERY_BROKER_URL), e.g. redis://redis:6379/0")
    elif broker_url.startswith("memory://"):
        problems.append("CELERY_BROKER_URL=memory:// loses every job when the process exits; use Redis")
    if not redis_url:
        problems.append("REDIS_URL is not set: the cache would be one per process (throttles, counters)")
    if always_eager:
        problems.append("CELERY_TASK_ALWAYS_EAGER=true runs every job inside web requests; unset it")
    if not [host for host in allowed_hosts if host.strip()]:
        problems.append("DJANGO_ALLOWED_HOSTS is empty: list the host names the site answers to, comma-separated")
    if email_backend in CONSOLE_BACKENDS:
        problems.append("EMAIL_BACKEND is the console backend: e-mail would go to the log; configure SMTP")
    if not sms_backend:
        problems.append("SMS_BACKEND is not set: name the provider's backend class (see notifications/sms.py)")
    elif sms_backend in CONSOLE_BACKENDS:
        problems.append("SMS_BACKEND is the console backend: text messages would go to the log")
    problems.extend(messaging_problems(sms_backend, messaging or {}))
    bad_origins = [origin for origin in csrf_trusted_origins if not origin.startswith(("https://", "http://"))]
    if bad_origins:
        problems.append(
            f"DJANGO_CSRF_TRUSTED_ORIGINS needs scheme and host, e.g. https://photo.example.edu.cn: {bad_origins}"
        )
    if proxy_ssl_header and (len(proxy_ssl_header) != 2 or not proxy_ssl_header[0].startswith("HTTP_")):
        problems.append("DJANGO_SECURE_PROXY_SSL_HEADER is HEADER,VALUE, e.g. HTTP_X_FORWARDED_PROTO,https")
    if cas_server_url and not cas_server_url.startswith("https://"):
        problems.append(f"CAS_SERVER_URL must be https:// (tickets are validated over it): {cas_server_url}")
    if cas_server_url and cas_version not in ("2", "3"):
        problems.append(f"CAS_VERSION is 2 or 3 (CAS 2.0 or 3.0 protocol): {cas_version!r}")
    return problems


# What each template SMS provider cannot send without (settings names).
SMS_PROVIDER_SETTINGS = {
    "notifications.providers.aliyun.AliyunSmsBackend": (
        "SMS_SIGN_NAME",
        "ALIYUN_SMS_ACCESS_KEY_ID",
        "ALIYUN_SMS_ACCESS_KEY_SECRET",
    ),
    "notifications.providers.tencent.TencentSmsBackend": (
        "SMS_SIGN_NAME",
        "TENCENT_SMS_SECRET_ID",
        "TENCENT_SMS_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
    ),
}


def messaging_problems(sms_backend: str, values: dict[str, object]) -> list[str]:
    """A template SMS provider without its keys or sign name, or WeCom half configured."""
    problems = []
    missing = [name for name in SMS_PROVIDER_SETTINGS.get(sms_backend, ()) if not values.get(name)]
    if missing:
        problems.append(f"SMS_BACKEND {sms_backend.rsplit('.', 1)[-1]} needs {', '.join(missing)}")
    if values.get("WECOM_CORP_ID") and not (values.get("WECOM_SECRET") and values.get("WECOM_AGENT_ID")):
        problems.append("WECOM_CORP_ID is set: WeCom app messages also need WECOM_SECRET and WECOM_AGENT_ID")
    return problems


def refuse_to_start(problems: list[str]) -> None:
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise ImproperlyConfigured(
            "Production settings are incomplete (set DJANGO_DEMO=true only for the demo and tests):\n" + lines
        )
