"""docker-compose.yml refuses to start without its database passwords (issue 25: it fell back to
passwords committed in the file, so a deployment that forgot .env ran with them).

Compose interpolates `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and
`${VAR?message}` in the file's values; this resolves them the same way against a given
environment, so the test says what `docker compose up` would do with it."""

import re
from pathlib import Path

import pytest

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
PASSWORDS = ("POSTGRES_PASSWORD", "DB_OWNER_PASSWORD", "DB_APP_PASSWORD")
# What the rest of the file requires; set here so that only the passwords are under test.
OTHERS = {
    "DJANGO_SECRET_KEY": "s",
    "DJANGO_ALLOWED_HOSTS": "portal.example.edu.cn",
    "COLLECTION_CODE_KEY": "k",
    "EMAIL_HOST": "smtp.example.edu.cn",
    "SMS_BACKEND": "console",
}


class Refused(Exception):
    pass


def resolve(text: str, env: dict[str, str]) -> str:
    """The file as compose would read it with `env`; Refused names every required variable unset."""
    missing: list[str] = []

    def one(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        value = env.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":?", "?") and unset:
            missing.append(f"{name}: {arg}")
            return ""
        if op in (":-", "-") and unset:
            return arg
        return value or ""

    resolved = INTERPOLATION.sub(one, text)
    if missing:
        raise Refused("; ".join(dict.fromkeys(missing)))
    return resolved


def test_every_database_password_is_required_and_none_is_committed():
    text = COMPOSE.read_text(encoding="utf-8")
    uses = [m for m in INTERPOLATION.finditer(text) if "PASSWORD" in m["name"]]
    assert {m["name"] for m in uses} == set(PASSWORDS)
    for m in uses:
        assert m["op"] == ":?" and m["arg"].strip(), f"{m[0]} must be required, with a message"
    assert "change-me" not in text


@pytest.mark.parametrize("unset", PASSWORDS)
def test_compose_refuses_to_start_without_each_password(unset):
    env = {**OTHERS, **{name: f"pw-{name.lower()}" for name in PASSWORDS if name != unset}}
    with pytest.raises(Refused) as refused:
        resolve(COMPOSE.read_text(encoding="utf-8"), env)
    assert str(refused.value) == f"{unset}: set {unset} in .env"
    # An empty value is no password either.
    with pytest.raises(Refused):
        resolve(COMPOSE.read_text(encoding="utf-8"), {**env, unset: ""})


def test_with_the_passwords_set_each_service_gets_them():
    env = {**OTHERS, **{name: f"pw-{name.lower()}" for name in PASSWORDS}}
    resolved = resolve(COMPOSE.read_text(encoding="utf-8"), env)
    assert "postgres://photocapture_app:pw-db_app_password@postgres:5432/photocapture" in resolved
    assert "postgres://photocapture_owner:pw-db_owner_password@postgres:5432/photocapture" in resolved
    assert re.search(r"^\s+POSTGRES_PASSWORD: pw-postgres_password$", resolved, re.M)
