"""Reads for fee pages, exports and reminders. Each costs a fixed number of queries, whatever
the number of students or entries: sums are grouped in the database, per-student figures come
from the cached totals on FeeAccount."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from sessions_app.models import Campaign, Capture, College, Student
from sessions_app.scope import visible_colleges, visible_students

from .models import (
    CENT,
    DIRECT_METHODS,
    ZERO,
    Entry,
    FeeAccount,
    Kind,
    Remittance,
    RemittanceConfirmation,
    cash_delta,
    fold_entry,
)
from .models_service import ServiceCount

# --- one student -------------------------------------------------------------


@dataclass
class LedgerTotals:
    charged: Decimal = ZERO
    paid: Decimal = ZERO
    waived: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.charged - self.waived - self.paid


def ledger_totals(account: FeeAccount) -> LedgerTotals:
    """Recomputed from the entries (the source of truth), to check the cached totals."""
    totals = LedgerTotals()
    rows = Entry.objects.filter(account=account).values("kind", "reversed_kind").annotate(total=Sum("amount"))
    for row in rows:
        fold_entry(totals, row["kind"], row["reversed_kind"], row["total"])
    _quantize(totals)
    return totals


def account_for(student: Student) -> FeeAccount | None:
    return FeeAccount.objects.filter(student=student).first()


def entries_for(student: Student) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(account__student=student)
        .select_related("posted_by", "reverses", "remittance_item__remittance__confirmation")
        .annotate(is_reversed=Exists(Entry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("posted_at", "id")
    )


def is_captured(student: Student) -> bool:
    return Capture.objects.filter(student=student, undone_at__isnull=True).exists()


# --- student lists -----------------------------------------------------------


def student_fee_rows(
    *,
    user: User,
    campaign: Campaign,
    college_id: int | None = None,
    class_name: str = "",
    only_unpaid: bool = False,
    query: str = "",
) -> QuerySet[Student]:
    """Visible students with their account and capture state; `only_unpaid` keeps those who owe."""
    qs = (
        visible_students(user, campaign)
        .select_related("college", "fee_account")
        .annotate(captured=Exists(Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=True)))
        .order_by("college__sort_order", "class_name", "student_no")
    )
    if college_id:
        qs = qs.filter(college_id=college_id)
    if class_name:
        qs = qs.filter(class_name=class_name)
    if query:
        qs = qs.filter(Q(student_no__icontains=query) | Q(name__icontains=query))
    if only_unpaid:
        qs = qs.filter(fee_account__balance__gt=0)
    return qs


def class_names(*, user: User, campaign: Campaign, college_id: int | None = None) -> list[str]:
    qs = visible_students(user, campaign)
    if college_id:
        qs = qs.filter(college_id=college_id)
    return list(qs.exclude(class_name="").values_list("class_name", flat=True).distinct().order_by("class_name"))


# --- per-college reconciliation ---------------------------------------------


@dataclass
class CollegeFigures:
    """One college's money in one campaign. All amounts in CNY.

    expected     captured × the campaign's fee now (what 教务处 expects, per the notice)
    charged      active charges (differs from expected only if the fee changed mid-campaign)
    waived       fees excused by 教务处
    collected    payments − refunds, all methods
    direct       the part of collected paid on the campus platform, straight to 教务处
    unpaid       sum of what students still owe (balances > 0); unpaid_count students
    held         cash the college holds and has not remitted (collected − direct − remitted)
    remitted     live (not withdrawn) remittances
    confirmed    what 教务处 says arrived, for confirmed remittances
    outstanding  expected − waived − direct − remitted: what the college still has to hand over
    difference   confirmed − the remittances it confirms: money declared but not received (< 0)
    """

    college: College
    captured: int = 0
    expected: Decimal = ZERO
    charged: Decimal = ZERO
    waived: Decimal = ZERO
    collected: Decimal = ZERO
    direct: Decimal = ZERO
    unpaid: Decimal = ZERO
    unpaid_count: int = 0
    credit: Decimal = ZERO
    remitted: Decimal = ZERO
    pending_confirmation: Decimal = ZERO
    confirmed_declared: Decimal = ZERO
    confirmed: Decimal = ZERO
    coordinators: list[User] = field(default_factory=list)
    # The photo service's own count for the college (its 收费条), if staff have recorded one.
    service_count: int | None = None

    @property
    def service_difference(self) -> int | None:
        """The photo service's count − our captures: what its bill will differ by, in people."""
        return None if self.service_count is None else self.service_count - self.captured

    @property
    def service_shortfall(self) -> int:
        return max(-(self.service_difference or 0), 0)

    @property
    def held(self) -> Decimal:
        return self.collected - self.direct - self.remitted

    @property
    def outstanding(self) -> Decimal:
        return self.expected - self.waived - self.direct - self.remitted

    @property
    def difference(self) -> Decimal:
        return self.confirmed - self.confirmed_declared

    @property
    def charge_mismatch(self) -> bool:
        return self.charged != self.expected


NUMERIC_FIELDS = (
    "captured",
    "expected",
    "charged",
    "waived",
    "collected",
    "direct",
    "unpaid",
    "unpaid_count",
    "credit",
    "remitted",
    "pending_confirmation",
    "confirmed_declared",
    "confirmed",
)


def reconciliation(*, campaign: Campaign, colleges: QuerySet[College]) -> tuple[list[CollegeFigures], CollegeFigures]:
    """Figures per college plus a total row; eight queries whatever the size of the campaign."""
    coordinators = get_user_model().objects.filter(role=Role.COORDINATOR, is_active=True).order_by("username")
    college_list = list(
        colleges.prefetch_related(Prefetch("coordinators", queryset=coordinators)).order_by("sort_order", "name")
    )
    rows = {c.pk: CollegeFigures(college=c, coordinators=list(c.coordinators.all())) for c in college_list}
    _add_captures(rows, campaign=campaign)
    _add_ledger(rows, campaign=campaign)
    _add_balances(rows, campaign=campaign)
    _add_remittances(rows, campaign=campaign)
    _add_service_counts(rows, campaign=campaign)
    total = CollegeFigures(college=College(name="合计"))
    for figures in rows.values():
        _quantize(figures)
        for name in NUMERIC_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    counted = [f.service_count for f in rows.values() if f.service_count is not None]
    total.service_count = sum(counted) if counted else None
    return [rows[c.pk] for c in college_list], total


def _add_service_counts(rows: dict[int, CollegeFigures], *, campaign: Campaign) -> None:
    """The latest statement per college; one query (statements are a handful per college)."""
    statements = (
        ServiceCount.objects.filter(campaign=campaign, college_id__in=list(rows))
        .order_by("college_id", "-recorded_at", "-id")
        .values_list("college_id", "count")
    )
    for college_id, count in statements:
        if rows[college_id].service_count is None:
            rows[college_id].service_count = count


def _add_captures(rows: dict[int, CollegeFigures], *, campaign: Campaign) -> None:
    """Captured heads and what they are expected to bring in (captured × the campaign's fee)."""
    captured = (
        Capture.objects.filter(campaign=campaign, undone_at__isnull=True, student__college_id__in=list(rows))
        .values("student__college_id")
        .annotate(n=Count("id"))
    )
    for row in captured:
        figures = rows[row["student__college_id"]]
        figures.captured = row["n"]
        figures.expected = campaign.fee_per_person * row["n"]


def _add_ledger(rows: dict[int, CollegeFigures], *, campaign: Campaign) -> None:
    sums = (
        Entry.objects.filter(account__campaign=campaign, college_id__in=list(rows))
        .values("college_id", "kind", "reversed_kind", "method")
        .annotate(total=Sum("amount"))
    )
    for row in sums:
        figures = rows[row["college_id"]]
        fold_entry(figures, row["kind"], row["reversed_kind"], row["total"], paid_attr="collected")
        if row["method"] in DIRECT_METHODS:
            figures.direct += cash_delta(row["kind"], row["reversed_kind"], row["total"])


def _add_balances(rows: dict[int, CollegeFigures], *, campaign: Campaign) -> None:
    balances = (
        FeeAccount.objects.filter(campaign=campaign, student__college_id__in=list(rows))
        .values("student__college_id")
        .annotate(
            unpaid=Sum("balance", filter=Q(balance__gt=0)),
            unpaid_count=Count("id", filter=Q(balance__gt=0)),
            # Not named `credit`: that is FeeAccount's property, and the checker takes it for a redefinition.
            credit_total=Sum("balance", filter=Q(balance__lt=0)),
        )
    )
    for row in balances:
        figures = rows[row["student__college_id"]]
        figures.unpaid = row["unpaid"] or ZERO
        figures.unpaid_count = row["unpaid_count"]
        figures.credit = -(row["credit_total"] or ZERO)


def _add_remittances(rows: dict[int, CollegeFigures], *, campaign: Campaign) -> None:
    """What each college handed over, and how much of it 教务处 has confirmed receiving."""
    remitted = (
        Remittance.objects.filter(campaign=campaign, college_id__in=list(rows), cancelled_at__isnull=True)
        .values("college_id")
        .annotate(
            total=Sum("amount"),
            unconfirmed=Sum("amount", filter=Q(confirmation__isnull=True)),
            declared=Sum("amount", filter=Q(confirmation__isnull=False)),
        )
    )
    for row in remitted:
        figures = rows[row["college_id"]]
        figures.remitted = row["total"] or ZERO
        figures.pending_confirmation = row["unconfirmed"] or ZERO
        figures.confirmed_declared = row["declared"] or ZERO
    confirmed = (
        RemittanceConfirmation.objects.filter(
            remittance__campaign=campaign, remittance__college_id__in=list(rows), reversal__isnull=True
        )
        .values("remittance__college_id")
        .annotate(total=Sum("received_amount"))
    )
    for confirmed_row in confirmed:
        rows[confirmed_row["remittance__college_id"]].confirmed = confirmed_row["total"] or ZERO


def _quantize(obj: object) -> None:
    """Database sums come back with whatever exponent the backend likes (SQLite: "34"); money is shown
    and exported with two places."""
    for name, value in vars(obj).items():
        if isinstance(value, Decimal):
            setattr(obj, name, value.quantize(CENT))


def remittable_entries(
    *, campaign: Campaign, college: College | None = None, college_ids: list[int] | None = None
) -> QuerySet[Entry]:
    """Cash entries a college holds and has not remitted yet (platform payments never pass
    through a college, so they are left out)."""
    qs = Entry.objects.filter(account__campaign=campaign, remittance_item__isnull=True)
    if college is not None:
        qs = qs.filter(college=college)
    else:
        assert college_ids is not None, "remittable_entries() needs college or college_ids"
        qs = qs.filter(college_id__in=college_ids)
    cash = Q(kind__in=[Kind.PAYMENT, Kind.REFUND]) | Q(
        kind=Kind.REVERSAL, reversed_kind__in=[Kind.PAYMENT, Kind.REFUND]
    )
    return qs.filter(cash).exclude(method__in=DIRECT_METHODS)


def college_figures(*, campaign: Campaign, college: College) -> CollegeFigures:
    rows, _total = reconciliation(campaign=campaign, colleges=College.objects.filter(pk=college.pk))
    return rows[0]


def remittable_by_college(*, campaign: Campaign, college_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Per college: how many cash entries wait to be remitted and their net amount."""
    result: dict[int, tuple[int, Decimal]] = {}
    rows = (
        remittable_entries(campaign=campaign, college_ids=college_ids)
        .values("college_id", "kind", "reversed_kind")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    for row in rows:
        count, total = result.get(row["college_id"], (0, ZERO))
        result[row["college_id"]] = (
            count + row["n"],
            (total + cash_delta(row["kind"], row["reversed_kind"], row["total"])).quantize(CENT),
        )
    return result


def unpaid_students(
    *, user: User, campaign: Campaign, college_ids: list[int], limit: int = 300
) -> dict[int, list[Student]]:
    """Students who owe, per college, at most `limit` in all (one query); the ledger page has the rest."""
    rows = (
        visible_students(user, campaign)
        .filter(college_id__in=college_ids, fee_account__balance__gt=0)
        .select_related("fee_account")
        .order_by("college_id", "class_name", "student_no")[:limit]
    )
    result: dict[int, list[Student]] = {}
    for student in rows:
        result.setdefault(student.college_id, []).append(student)
    return result


def unpaid_count(*, user: User, campaign: Campaign, college_id: int) -> int:
    return visible_students(user, campaign).filter(college_id=college_id, fee_account__balance__gt=0).count()


def remittances_for(*, user: User, campaign: Campaign, college_id: int | None = None) -> QuerySet[Remittance]:
    qs = (
        Remittance.objects.filter(campaign=campaign, college__in=visible_colleges(user))
        .select_related("college", "submitted_by", "cancelled_by", "confirmation__confirmed_by")
        .order_by("-submitted_at", "-id")
    )
    if college_id:
        qs = qs.filter(college_id=college_id)
    return qs


# --- reminders ---------------------------------------------------------------


@dataclass
class ReminderItem:
    college: College
    coordinators: list[User]
    unpaid_count: int
    unremitted: Decimal
    deadline: datetime.date


def remittance_reminders(*, campaign: Campaign, today: datetime.date | None = None) -> list[ReminderItem]:
    """Colleges that, before the remittance deadline, still have unpaid students or cash not
    remitted, with the coordinators to remind. Empty after the deadline or without one."""
    today = today or timezone.localdate()
    deadline = campaign.remittance_deadline
    if deadline is None or today > deadline:
        return []
    rows, _total = reconciliation(campaign=campaign, colleges=College.objects.all())
    return [
        ReminderItem(
            college=row.college,
            coordinators=row.coordinators,
            unpaid_count=row.unpaid_count,
            unremitted=row.held,
            deadline=deadline,
        )
        for row in rows
        if row.unpaid_count > 0 or row.held > 0
    ]


@dataclass
class LateCollege:
    college: College
    coordinators: list[User]
    outstanding: Decimal
    held: Decimal
    days_late: int


def missed_remittance_deadline(
    *, campaign: Campaign, figures: list[CollegeFigures], today: datetime.date | None = None
) -> list[LateCollege]:
    """After the remittance deadline: the colleges that still have to hand money over, most owed
    first. Read from the reconciliation's figures, so it costs no query of its own."""
    today = today or timezone.localdate()
    deadline = campaign.remittance_deadline
    if deadline is None or today <= deadline:
        return []
    late = [
        LateCollege(row.college, row.coordinators, row.outstanding, row.held, (today - deadline).days)
        for row in figures
        if row.outstanding > 0
    ]
    return sorted(late, key=lambda item: (-item.outstanding, item.college.sort_order, item.college.name))


def rejected_callbacks_count() -> int:
    from .models import CallbackLog, CallbackStatus

    return CallbackLog.objects.exclude(status__in=[CallbackStatus.POSTED, CallbackStatus.DUPLICATE]).count()
