"""What the API answers, as pydantic models: ninja validates every answer against them and
builds the OpenAPI schema from them. A field group the token was not granted is left out of the
row (the routes dump with exclude_unset), so its fields are optional here."""

import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="机器可读的错误代码，例如 invalid_token、token_revoked、throttled、bad_cursor")
    message: str = Field(description="给人看的说明")


class ErrorOut(BaseModel):
    error: ErrorBody


class PingOut(BaseModel):
    ok: bool
    name: str
    scopes: list[str]


class CampaignOut(BaseModel):
    code: str
    name: str
    level: str
    capture_dates: list[datetime.date]
    fee_per_person: Decimal


class CampaignPage(BaseModel):
    results: list[CampaignOut]
    next: str | None = Field(description="下一页的游标；没有下一页时为 null")


class CollegeRef(BaseModel):
    id: int
    name: str


class CaptureState(BaseModel):
    captured: bool
    captured_at: datetime.datetime | None = None
    group: str | None = Field(default=None, description="采集组")
    wrong_slot: bool = False
    shot_number: int | None = Field(default=None, description="拍摄号（最新一个）")
    shot_day: datetime.date | None = None
    shot_status: str | None = Field(default=None, description="live / left / requeued")


class FeeState(BaseModel):
    charged: Decimal
    paid: Decimal
    waived: Decimal
    balance: Decimal = Field(description="正数为欠费，负数为多缴")


class VerificationState(BaseModel):
    status: Literal["not_captured", "pending", "overdue", "confirmed"]
    due_date: datetime.date | None = None
    confirmed_at: datetime.datetime | None = None
    chsi_status: str = Field(default="", description="学信网状态导入的原文，例如“信息有误”")


class RetakeState(BaseModel):
    status: str
    reason: str
    channel: str
    requested_at: datetime.datetime
    updated_at: datetime.datetime


class StudentRow(BaseModel):
    id: int
    student_no: str
    # roster
    name: str | None = None
    gender: str | None = None
    college: CollegeRef | None = None
    major: str | None = None
    class_name: str | None = None
    level: str | None = None
    campus: str | None = None
    # id_number: its own scope
    id_number: str | None = None
    capture: CaptureState | None = None
    fee: FeeState | None = Field(default=None, description="未计费（未采集）的学生为 null")
    verification: VerificationState | None = None
    retake: RetakeState | None = Field(default=None, description="最近一次补拍申请；没有则为 null")


class StudentPage(BaseModel):
    results: list[StudentRow]
    next: str | None = Field(description="下一页的游标；没有下一页时为 null")


ChangeType = Literal[
    "capture.recorded",
    "capture.undone",
    "shot.assigned",
    "shot.voided",
    "fee.changed",
    "verification.changed",
    "retake.changed",
]


class ChangeOut(BaseModel):
    type: ChangeType
    at: datetime.datetime
    student_id: int
    student_no: str
    capture: CaptureState | None = None
    fee: FeeState | None = None
    verification: VerificationState | None = None
    retake: RetakeState | None = None


class ChangePage(BaseModel):
    results: list[ChangeOut]
    next: str = Field(description="保存它，下次从这里继续；即使本页为空也会返回")
    has_more: bool


class FeeSummary(BaseModel):
    expected: Decimal
    collected: Decimal
    waived: Decimal
    remitted: Decimal
    confirmed: Decimal
    outstanding: Decimal
    unpaid_count: int


class VerificationSummary(BaseModel):
    captured: int
    verified: int
    pending: int
    overdue: int
    problem: int


class CollegeSummary(BaseModel):
    id: int
    name: str
    roster: int
    captured: int
    fees: FeeSummary | None = None
    verification: VerificationSummary | None = None
    retakes: dict[str, int] | None = Field(default=None, description="各状态的补拍申请数")


class CollegePage(BaseModel):
    results: list[CollegeSummary]
    next: str | None
