"""ApiError is raised by its code: the words come from api.refusals in the request's language,
the HTTP status (and a throttled request's Retry-After) from the code and its params."""

import re

from django.utils import translation

from api.errors import ApiError

CJK = re.compile(r"[\u3400-\u9fff]")


def test_api_error_is_worded_from_its_params_with_its_status():
    error = ApiError.of("throttled", seconds=30)
    assert (error.status, error.retry_after) == (429, 30)
    with translation.override("zh-hans"):
        assert error.message == "请求过于频繁，请 30 秒后重试"
    with translation.override("en"):
        assert error.message == "Too many requests: retry in 30 seconds"


def test_each_code_keeps_its_status():
    statuses = {code: ApiError.of(code).status for code in ("staff_only", "already_revoked", "token_revoked")}
    assert statuses == {"staff_only": 403, "already_revoked": 409, "token_revoked": 401}
    assert (ApiError.of("bad_cursor").status, ApiError.of("bad_cursor").retry_after) == (400, None)


def test_revoking_and_creating_are_refused_in_their_own_words():
    with translation.override("zh-hans"):
        assert ApiError.of("staff_only", what="revoke").message == "只有教务处可以吊销接口令牌"
        assert ApiError.of("staff_only").message == "只有教务处可以创建接口令牌"
    with translation.override("en"):
        english = ApiError.of("staff_only", what="revoke").message
    assert english == "Only academic affairs staff may revoke API tokens" and not CJK.search(english)
