"""One way from a code to words (core.words): the registry type, the error class built on it, and
every registry of every app walked in both languages."""

import importlib
import logging
import pkgutil
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.errors import CodedError
from core.words import UNKNOWN, Words, registries

CJK = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")

WORDS = Words(
    {
        "plain": gettext_lazy("采集成功"),
        "with_params": gettext_lazy("已于 %(when)s 采集过，本次未重复记录"),
        "callable": lambda p: (
            gettext_lazy("名单中没有此人（%(code)s）：未记录任何信息，请核对证件或联系教务处") % {"code": p["code"]}
        ),
    },
    name="tests.core.words",
)


class _Refused(CodedError):
    words = WORDS


def test_a_registry_renders_in_the_language_of_the_moment():
    with translation.override("zh-hans"):
        assert WORDS.text("plain") == "采集成功"
        assert WORDS.text("with_params", {"when": "09:30"}) == "已于 09:30 采集过，本次未重复记录"
    with translation.override("en"):
        assert WORDS.text("plain") == "Captured"
        english = WORDS.text("with_params", {"when": "09:30"})
        assert "09:30" in english and not CJK.search(english)
        assert "A123" in WORDS.text("callable", {"code": "A123"})


def test_lazy_words_follow_the_language_they_are_shown_in():
    lazy = WORDS.lazy("plain")
    with translation.override("en"):
        assert str(lazy) == "Captured"
    with translation.override("zh-hans"):
        assert str(lazy) == "采集成功"


def test_an_unknown_code_is_a_plain_chinese_sentence_and_is_logged(caplog):
    caplog.set_level(logging.WARNING, logger="core.words")
    with translation.override("zh-hans"):
        shown = WORDS.text("no_such_code")
    assert shown == str(UNKNOWN) and CJK.search(shown) and "no_such_code" not in shown
    assert "no_such_code" in caplog.text


def test_params_that_do_not_fit_are_a_plain_sentence_too(caplog):
    caplog.set_level(logging.WARNING, logger="core.words")
    with translation.override("zh-hans"):
        shown = WORDS.text("with_params", {})
    assert shown == str(UNKNOWN) and "with_params" in caplog.text


def test_a_registry_s_own_fallback_replaces_the_generic_sentence():
    words = Words({}, name="tests.fallback", fallback=gettext_lazy("后台任务"))
    with translation.override("en"):
        assert words.text("x.y") == "Background job"


def test_coded_error_builds_its_message_from_code_and_params_when_asked():
    error = _Refused.of("with_params", when="10:15")
    assert error.code == "with_params" and error.params == {"when": "10:15"}
    with translation.override("zh-hans"):
        assert str(error) == "已于 10:15 采集过，本次未重复记录"
    with translation.override("en"):
        assert "10:15" in error.message and not CJK.search(error.message)


def test_a_coded_error_without_a_registry_never_shows_its_code():
    error = CodedError(None, "nobody_words_this")
    with translation.override("zh-hans"):
        assert error.message == str(UNKNOWN)


def test_a_coded_error_takes_no_ready_made_sentence():
    # Words made when raised would be in that moment's language and lost once the code is stored.
    with pytest.raises(TypeError):
        CodedError("已结束", "closed")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["", "Bad", "has space", "dotted.code"])
def test_error_codes_are_lowercase_identifiers(code):
    with pytest.raises(ValueError):
        CodedError(None, code)


# --- every registry of every app ------------------------------------------------------------


# Codes whose English names the values a file must carry in Chinese (a payment method, 男/女, a
# level, the statuses of the CHSI file): Chinese kept on purpose, quoted or listed as written.
CHINESE_ON_PURPOSE = {"method_unknown", "gender_unknown", "level_unknown", "status_unknown"}


class _AnyParams(dict):
    """Params answering "1" to any key: enough for a template that only formats them."""

    def __missing__(self, key):
        return "1"


def _import_every_module():
    root = settings.BASE_DIR
    for config in apps.get_app_configs():
        path = config.path
        if not str(path).startswith(str(root)) or "/.venv/" in str(path):
            continue
        for module in pkgutil.walk_packages([path], prefix=config.name + "."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)
    from jobs.registry import kinds

    kinds()


def _parts(words):
    return list(words) if isinstance(words, tuple) else [words]


def test_every_code_of_every_registry_has_words_in_both_languages():
    _import_every_module()
    walked, problems = set(), []
    for registry in registries():
        # Registries and codes the tests make ("tests.…", the job kinds "test.…") are not the portal's.
        if registry.name.startswith("test"):
            continue
        walked.add(registry.name)
        for code in (code for code in registry.codes() if not code.startswith("test.")):
            params = registry.examples.get(code)
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    words = registry.words(code, dict(params) if params is not None else _AnyParams())
                if words is None:
                    problems.append(f"{registry.name} {code} ({language}): no words")
                    continue
                for part in map(str, _parts(words)):
                    # Chinese quoted “…” in English is kept on purpose (a name the reader sees on CHSI).
                    unquoted = QUOTED.sub("", part)
                    if language == "en" and CJK.search(unquoted) and code not in CHINESE_ON_PURPOSE:
                        problems.append(f"{registry.name} {code}: Chinese in English: {part!r}")
                    if language == "zh-hans" and part and not CJK.search(part):
                        problems.append(f"{registry.name} {code}: no Chinese in Chinese: {part!r}")
    assert not problems, "\n".join(problems)
    # The walk reached the registries of the places that word codes (not only the first few).
    for name in (
        "accounts.audit labels",
        "accounts.audit summaries",
        "notifications.messages",
        "notifications.kinds",
        "jobs.registry",
        "jobs.failures",
        "intake.refusals",
        "fees.callback_errors",
        "fees.refusals",
        "fees.refusals amounts",
        "sessions_app.capture_refusals",
        "verification.refusals",
        "retakes.refusals",
        "retakes.photo_check findings",
        "capture_day.code_reminders",
        "sessions_app.refusals clone",
        "sessions_app.refusals counselor accounts",
        "sessions_app.refusals shots",
        "sessions_app.refusals phases",
        "sessions_app.refusals collection codes",
        "api.refusals",
        "notifications.refusals",
        "privacy.refusals",
    ):
        assert name in walked, name
