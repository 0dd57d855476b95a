"""The read-only API (django-ninja): /api/v1/, token in `Authorization: Bearer <key>`.

Views are thin: authenticate + throttle (TokenAuth), find the campaign within the token's
scope, call a selector, audit the read. Every error is JSON {"error": {"code", "message"}}.
"""

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import BaseModel

from . import selectors, services
from .errors import ApiError
from .models import ApiToken, Scope
from .schemas import CampaignPage, ChangePage, CollegePage, CollegeSummary, ErrorOut, PingOut, StudentPage

log = logging.getLogger(__name__)
ERRORS: dict[int | str, Any] = {frozenset({400, 401, 404, 429}): ErrorOut}  # type: ignore[dict-item]


class TokenAuth(HttpBearer):
    """Who is asking (401 with a code otherwise), and not too often (429 with Retry-After)."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        token = services.authenticate(request.headers.get("Authorization", ""))
        services.throttle(token=token)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ does it
        return None


api = NinjaAPI(
    title="毕业生图像采集 数据接口",
    version="1",
    description=(
        "只读接口，供学籍系统和图像采集服务同步数据。令牌由教务处创建，按采集批次和数据范围授权；"
        "身份证号是单独的范围。每个列表按游标分页：把 next 原样传回即可取下一页。"
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,  # Swagger UI would load from a CDN; the schema is at openapi.json
)


def error_response(code: str, message: str, status: int, retry_after: int | None = None) -> HttpResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.code, exc.message, exc.status, exc.retry_after)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors})
    return error_response("invalid_parameter", _("参数有误：%(fields)s") % {"fields": "、".join(fields)}, 400)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _api_error(request, ApiError.of("missing_token"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response("not_found", _("没有这个地址"), 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response("http_error", str(exc), exc.status_code)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is away (restart, failover): the consumer should come back, not give up.
        log.warning("api: database unavailable: %s", type(exc).__name__)
        return error_response("unavailable", _("服务暂时不可用，请稍后重试"), 503, retry_after=30)
    log.exception("api: unexpected error on %s", request.path)
    return error_response("server_error", _("服务器出错，请稍后重试"), 500)


def respond(model: type[BaseModel], data: Any, *, exclude_unset: bool = False) -> HttpResponse:
    """The answer checked against its model and written by pydantic itself (in Rust).

    What ninja would do with `response=`, but ninja wraps every answer in a schema of its own
    whose validator walks each row through a Django-aware getter: 60 ms of a 1,000-row page, and
    the stdlib JSON encoder another 35 ms (bench/api.py). The `response=` declarations stay, for
    the OpenAPI schema; a route that returns an HttpResponse is passed through by ninja as is.
    """
    body = model.model_validate(data).model_dump_json(exclude_unset=exclude_unset)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _token(request: HttpRequest) -> ApiToken:
    token = request.auth  # type: ignore[attr-defined]  # set by ninja from TokenAuth
    assert isinstance(token, ApiToken)
    return token


@api.get("/ping", response={200: PingOut, **ERRORS}, summary="检查令牌是否可用（不读取数据）")
def ping(request: HttpRequest) -> Any:
    """For a consumer to check its token and for bench/api.py's floor: authenticated and
    throttled like every endpoint, reads nothing, so it is not audited."""
    token = _token(request)
    return respond(PingOut, {"ok": True, "name": token.name, "scopes": token.scopes})


@api.get("/campaigns", response={200: CampaignPage, **ERRORS}, summary="令牌可读取的采集批次")
def campaigns(request: HttpRequest, cursor: str | None = None, limit: int = selectors.DEFAULT_LIMIT) -> Any:
    token = _token(request)
    page = selectors.campaign_page(token, cursor=cursor, limit=selectors.clamp_limit(limit))
    services.record_use(token=token, endpoint="campaigns", campaign=None, rows=len(page["results"]))
    return respond(CampaignPage, page)


@api.get(
    "/campaigns/{code}/students",
    response={200: StudentPage, **ERRORS},
    summary="采集批次的学生及其采集、拍摄号、缴费、校对、补拍状态",
)
def students(request: HttpRequest, code: str, cursor: str | None = None, limit: int = selectors.DEFAULT_LIMIT) -> Any:
    token = _token(request)
    campaign = selectors.token_campaign(token, code)
    page = selectors.student_page(token, campaign, cursor=cursor, limit=selectors.clamp_limit(limit))
    services.record_use(
        token=token,
        endpoint="students",
        campaign=campaign,
        rows=len(page["results"]),
        id_numbers=token.allows(Scope.ID_NUMBER) and bool(page["results"]),
    )
    return respond(StudentPage, page, exclude_unset=True)


@api.get(
    "/campaigns/{code}/changes",
    response={200: ChangePage, **ERRORS},
    summary="自游标以来的采集、拍摄号和状态变化（增量同步）",
)
def changes(request: HttpRequest, code: str, cursor: str | None = None, limit: int = selectors.DEFAULT_LIMIT) -> Any:
    token = _token(request)
    campaign = selectors.token_campaign(token, code)
    page = selectors.change_page(token, campaign, cursor=cursor, limit=selectors.clamp_limit(limit))
    services.record_use(token=token, endpoint="changes", campaign=campaign, rows=len(page["results"]))
    return respond(ChangePage, page, exclude_unset=True)


@api.get(
    "/campaigns/{code}/colleges",
    response={200: CollegePage, **ERRORS},
    summary="各学院汇总",
)
def colleges(request: HttpRequest, code: str, cursor: str | None = None, limit: int = selectors.DEFAULT_LIMIT) -> Any:
    token = _token(request)
    campaign = selectors.token_campaign(token, code)
    page = selectors.college_page(token, campaign, cursor=cursor, limit=selectors.clamp_limit(limit))
    services.record_use(token=token, endpoint="colleges", campaign=campaign, rows=len(page["results"]))
    return respond(CollegePage, page, exclude_unset=True)


@api.get(
    "/campaigns/{code}/colleges/{college_id}",
    response={200: CollegeSummary, **ERRORS},
    summary="一个学院的汇总",
)
def college(request: HttpRequest, code: str, college_id: int) -> Any:
    token = _token(request)
    campaign = selectors.token_campaign(token, code)
    page = selectors.college_page(token, campaign, cursor=None, limit=1, college_id=college_id)
    if not page["results"]:
        raise ApiError.of("college_not_found")
    services.record_use(token=token, endpoint="college", campaign=campaign, rows=1)
    return respond(CollegeSummary, page["results"][0], exclude_unset=True)


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: JSON, like every other answer of the API."""
    return error_response("not_found", _("没有这个地址"), 404)
