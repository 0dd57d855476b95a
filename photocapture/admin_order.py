"""The admin index in the order a clerk works, not alphabetical: set up the campaign and its
schedule first, then the colleges and the roster, then money, verification, retakes; the
portal's own machinery (users, audit, messages, jobs) last."""

from django.contrib import admin

APP_ORDER = ["sessions_app", "fees", "verification", "retakes", "notifications", "api", "jobs", "accounts", "auth"]
# Campaign is registered by capture_day's admin but is a sessions_app model, so it leads that app.
MODEL_ORDER = {
    "sessions_app": ["Campaign", "Campus", "Location", "CaptureGroup", "Slot", "College", "Student", "Capture"],
    "fees": ["FeeAccount", "Entry", "Remittance", "RemittanceConfirmation", "CallbackLog"],
    "verification": ["VerificationRecord", "ProblemReport"],
    "retakes": ["RetakeRequest", "RetakePhoto", "RetakeEvent"],
    "accounts": ["User", "AuditEvent", "LoginFailure"],
}


def _rank(order: list[str], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def ordered_app_list(request, app_label=None):
    apps = _default_app_list(request, app_label)
    for app in apps:
        order = MODEL_ORDER.get(app["app_label"], [])
        app["models"].sort(key=lambda model: _rank(order, model["object_name"]))
    return sorted(apps, key=lambda app: _rank(APP_ORDER, app["app_label"]))


_default_app_list = admin.site.get_app_list


def install() -> None:
    admin.site.get_app_list = ordered_app_list
