"""A CodedError a job refuses with is stored as (code, params) and worded when its page is read,
in the reader's language: nothing stored is a sentence."""

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core.errors import CodedError
from core.words import Words
from jobs import selectors, services
from jobs.models import Job, JobStatus
from jobs.registry import JobRejected, register
from retakes.services import RetakeError
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WORDS = Words(
    {"undo_too_late": gettext_lazy("撤销原因最多 %(n)s 个字，请缩短后重试")},
    name="tests.jobs.words",
)


class _Refused(CodedError):
    words = WORDS


@register("test.coded", title="测试", errors=WORDS)
def _coded_kind(job, progress):
    try:
        raise _Refused.of("undo_too_late", n=job.params["n"])
    except _Refused as exc:
        raise JobRejected(exc.code, [exc.stored()]) from None


@register("test.retake_refused", title="测试补拍", errors=RetakeError.words)
def _retake_kind(job, progress):
    try:
        raise RetakeError.of("out_of_scope", name="李四")
    except RetakeError as exc:
        raise JobRejected("rejected", [exc.stored()]) from None


def _run(kind: str, **params) -> Job:
    owner = make_user(Role.STAFF)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.start_job(kind=kind, key="k", owner=owner, params=params)
    return Job.objects.get(pk=job.pk)  # as stored, read back


def test_a_coded_error_s_code_and_params_are_what_the_job_stores_and_its_page_words_them(client):
    job = _run("test.coded", n=200)
    assert job.status == JobStatus.FAILED and job.error_code == "undo_too_late"
    assert job.errors == [{"code": "undo_too_late", "params": {"n": 200}}]
    with translation.override("zh-hans"):
        assert selectors.error_lines(job) == ["撤销原因最多 200 个字，请缩短后重试"]
        assert selectors.failure_message(job) == "撤销原因最多 200 个字，请缩短后重试"
    with translation.override("en"):
        (english,) = selectors.error_lines(job)
    assert "200" in english and "撤销" not in english
    client.force_login(job.owner)
    assert "撤销原因最多 200 个字" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()


def test_a_rule_s_refusal_round_trips_through_the_job_in_both_languages():
    job = _run("test.retake_refused")
    assert job.errors == [{"code": "out_of_scope", "params": {"name": "李四"}}]
    with translation.override("zh-hans"):
        assert selectors.error_lines(job) == ["李四 不是你负责的学生，不能办理其补拍"]
    with translation.override("en"):
        (english,) = selectors.error_lines(job)
    assert english.startswith("李四") and "负责" not in english


def test_a_code_the_kind_does_not_word_is_a_plain_sentence_on_the_page():
    job = _run("test.coded", n=1)
    Job.objects.filter(pk=job.pk).update(errors=[{"code": "gone_code", "params": {}}], error_code="gone_code")
    job.refresh_from_db()
    with translation.override("zh-hans"):
        (line,) = selectors.error_lines(job)
        failure = selectors.failure_message(job)
    assert "gone_code" not in line and "gone_code" not in failure
    assert failure == "任务失败：请回到原来的页面重新开始；仍不行请联系教务处"
