"""The ¥17 ledger: one account per student per campaign, made of append-only entries.

How the database holds the rules (see also migration 0002, PostgreSQL only):

* Entries are never updated or deleted. `Entry.save()`/`delete()` and the queryset refuse it;
  on PostgreSQL a BEFORE UPDATE OR DELETE trigger refuses it for raw SQL too.
* Positive amounts: `fee_entry_amount_positive`.
* One reversal per entry: `Entry.reverses` is a one-to-one (unique) link to the entry it cancels,
  and a reversal cannot itself be reversed (`fee_entry_reversal_shape`). On PostgreSQL a composite
  foreign key (reverses_id, account_id, reversed_kind, amount) → (id, account_id, kind, amount)
  makes a reversal cancel exactly one entry of the same account, of the kind it claims, for the
  same amount.
* One active (not reversed) charge per account. A flag on the charge cannot be flipped in an
  append-only ledger, so the charges of an account form a chain instead: the first charge has
  `follows` NULL, and that is unique per account (`fee_entry_one_first_charge`); every later
  charge `follows` the reversal of the previous one, and `follows` is unique, so each charge
  reversal makes room for at most one new charge. On PostgreSQL the composite foreign key
  (follows_id, account_id, kind) → (id, account_id, reversed_kind) makes that reversal one of a
  charge of the same account. Hence charges ≤ 1 + reversed charges, i.e. at most one active.
"""

import functools
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import AppendOnlyModel
from core.formatting import datetime_short
from core.rows import Prepared

from .callback_errors import describe

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class Method(models.TextChoices):
    CASH = "cash", _("现金")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CAMPUS_PLATFORM = "campus_platform", _("校园统一支付平台")


# Paid straight into 教务处's account, so a college never holds (or remits) this money.
DIRECT_METHODS = frozenset({Method.CAMPUS_PLATFORM})


class Kind(models.TextChoices):
    CHARGE = "charge", _("计费")
    PAYMENT = "payment", _("缴费")
    REFUND = "refund", _("退费")
    WAIVER = "waiver", _("减免")
    REVERSAL = "reversal", _("冲正")


class NoteCode(models.TextChoices):
    """Notes the system writes on an entry; the words are made when shown (Entry.note_display)."""

    CAPTURE_CHARGE = "capture_charge", _("采集计费")
    CAPTURE_UNDONE = "capture_undone", _("撤销采集")
    PLATFORM_PAYMENT = "platform_payment", _("支付平台交易号")


# Effect of each kind on what the student owes; a reversal has the opposite effect of its target.
BALANCE_SIGN = {Kind.CHARGE: 1, Kind.PAYMENT: -1, Kind.REFUND: 1, Kind.WAIVER: -1}
# Effect on the cash a college holds.
CASH_SIGN = {Kind.PAYMENT: 1, Kind.REFUND: -1}


def balance_delta(kind: str, reversed_kind: str | None, amount: Decimal) -> Decimal:
    if kind == Kind.REVERSAL:
        return -BALANCE_SIGN[reversed_kind] * amount
    return BALANCE_SIGN[kind] * amount


def cash_delta(kind: str, reversed_kind: str | None, amount: Decimal) -> Decimal:
    if kind == Kind.REVERSAL:
        return -CASH_SIGN.get(reversed_kind, 0) * amount
    return CASH_SIGN.get(kind, 0) * amount


def fold_entry(totals, kind: str, reversed_kind: str | None, amount: Decimal, *, paid_attr: str = "paid") -> None:
    """Add one entry (or a sum of entries of one kind) to charged / waived / paid of `totals`:
    the same rule for the account's cached totals (fees.ledger) and their recomputation
    from the entries (fees.selectors)."""
    target = reversed_kind or kind
    sign = -1 if kind == Kind.REVERSAL else 1
    if target == Kind.CHARGE:
        totals.charged += sign * amount
    elif target == Kind.WAIVER:
        totals.waived += sign * amount
    else:
        setattr(totals, paid_attr, getattr(totals, paid_attr) + cash_delta(kind, reversed_kind, amount))


class FeeAccount(models.Model):
    """A student's account in a campaign.

    `charged`/`paid`/`waived`/`balance` are a cache of the ledger, rewritten in the same
    transaction as every entry while the account row is locked, so lists need no sums. The
    entries stay the truth: `selectors.ledger_totals` recomputes them and the tests compare.
    """

    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="fee_accounts", verbose_name=_("采集批次")
    )
    student = models.OneToOneField(
        "sessions_app.Student", on_delete=models.PROTECT, related_name="fee_account", verbose_name=_("毕业生")
    )
    charged = models.DecimalField(_("应缴"), max_digits=10, decimal_places=2, default=ZERO)
    paid = models.DecimalField(_("已缴"), max_digits=10, decimal_places=2, default=ZERO)
    waived = models.DecimalField(_("减免"), max_digits=10, decimal_places=2, default=ZERO)
    # charged - waived - paid: positive means the student owes, negative is a credit.
    balance = models.DecimalField(_("欠费"), max_digits=10, decimal_places=2, default=ZERO)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("费用账户")
        verbose_name_plural = _("费用账户")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "student"], name="fee_account_one_per_student"),
        ]
        indexes = [models.Index(fields=["campaign", "balance"], name="fee_account_campaign_balance")]

    def __str__(self):
        return f"{self.student} {self.balance}"

    @classmethod
    def charge_if_uncharged(
        cls, *, campaign_id: int, student_id: int, amount: Decimal, key: str, now
    ) -> tuple[int, int | None] | None:
        """Add a first (or next) charge of `amount` to the student's totals, making the account if
        missing, unless it already holds an active charge or an entry under `key`: then None.

        One statement (INSERT .. ON CONFLICT DO UPDATE .. WHERE .. RETURNING, PostgreSQL and SQLite
        3.35+) instead of make-if-missing, lock-and-read and save: a capture's charge is on the desk
        swipe's hot path (bench/checkin.py). The row stays locked until the caller's transaction
        ends, as select_for_update would hold it, also when the WHERE refuses the update (then
        the caller takes the slow path under that lock). Returns (the account's pk, the charge
        reversal the new charge must follow, or None): the caller appends the entry itself.
        Column names come from the models, so a renamed field cannot leave this behind. Prepared
        on PostgreSQL (core.rows.Prepared): its three subqueries cost more to plan than to run.
        """
        money = cls._meta.get_field("charged")
        fee, zero = (money.get_db_prep_value(v, connection) for v in (amount, ZERO))
        when = cls._meta.get_field("updated_at").get_db_prep_value(now, connection)
        params = [campaign_id, student_id, fee, zero, zero, fee, when, Kind.CHARGE, key, Kind.REVERSAL, Kind.CHARGE]
        with connection.cursor() as cursor:
            _charge_statement().execute(cursor, params)
            row = cursor.fetchone()
        return None if row is None else (row[0], row[1])

    @property
    def owed(self) -> Decimal:
        return max(self.balance, ZERO)

    @property
    def credit(self) -> Decimal:
        return max(-self.balance, ZERO)


@functools.cache
def _charge_statement() -> Prepared:
    """FeeAccount.charge_if_uncharged's statement, built once per process."""
    cls = FeeAccount
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    table, entries = quote(cls._meta.db_table), quote(Entry._meta.db_table)
    account = f"{table}.{quote(cls._meta.pk.column)}"
    fields = ("campaign", "student", "charged", "paid", "waived", "balance", "updated_at")
    e_id, e_account, e_kind = column(Entry, "id"), column(Entry, "account"), column(Entry, "kind")
    e_reverses, e_follows = column(Entry, "reverses"), column(Entry, "follows")
    e_key, e_reversed_kind = column(Entry, "idempotency_key"), column(Entry, "reversed_kind")
    charged, balance, updated = column(cls, "charged"), column(cls, "balance"), column(cls, "updated_at")
    sql = (
        f"INSERT INTO {table} ({', '.join(column(cls, f) for f in fields)}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({column(cls, 'student')}) DO UPDATE SET "
        f"{charged} = {table}.{charged} + EXCLUDED.{charged}, {balance} = {table}.{balance} + EXCLUDED.{balance}, "
        f"{updated} = EXCLUDED.{updated} "
        # No active charge (one not reversed), and nothing posted under this key yet.
        f"WHERE NOT EXISTS (SELECT 1 FROM {entries} e WHERE e.{e_account} = {account} "
        f"AND e.{e_kind} = %s AND NOT EXISTS (SELECT 1 FROM {entries} r WHERE r.{e_reverses} = e.{e_id})) "
        f"AND NOT EXISTS (SELECT 1 FROM {entries} k WHERE k.{e_key} = %s) "
        # The chain of charges (see Entry): a new charge follows the last charge reversal not yet followed.
        f"RETURNING {account}, (SELECT v.{e_id} FROM {entries} v WHERE v.{e_account} = {account} "
        f"AND v.{e_kind} = %s AND v.{e_reversed_kind} = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {entries} n WHERE n.{e_follows} = v.{e_id}) ORDER BY v.{e_id} DESC LIMIT 1)"
    )
    return Prepared(sql)


class Entry(AppendOnlyModel):
    append_only_hint = _("，请用冲正更正")

    account = models.ForeignKey(FeeAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("账户"))
    # The college that holds this money: the student's college when the entry was posted.
    college = models.ForeignKey(
        "sessions_app.College", on_delete=models.PROTECT, related_name="+", verbose_name=_("学院")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    method = models.CharField(_("方式"), max_length=20, choices=Method.choices, blank=True)
    # What a person typed (a reason, a remark); the system's own note is note_code + note_data.
    note = models.CharField(_("备注"), max_length=200, blank=True)
    note_code = models.CharField(_("系统备注"), max_length=32, choices=NoteCode.choices, blank=True)
    note_data = models.JSONField(_("系统备注参数"), default=dict, blank=True)
    posted_at = models.DateTimeField(_("登记时间"), auto_now_add=True, db_index=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
        help_text=_("为空表示系统（采集、支付平台回调、命令行导入）"),
    )
    occurred_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    idempotency_key = models.CharField(_("提交编号"), max_length=120, unique=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        verbose_name=_("冲正的记录"),
    )
    reversed_kind = models.CharField(_("被冲正类型"), max_length=16, choices=Kind.choices, null=True, blank=True)
    follows = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_charge",
        verbose_name=_("接续的计费冲正"),
    )

    class Meta:
        verbose_name = _("费用记录")
        verbose_name_plural = _("费用记录")
        ordering = ["posted_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_entry_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.REVERSAL, reverses__isnull=False, reversed_kind__isnull=False)
                    & ~Q(reversed_kind=Kind.REVERSAL)
                )
                | (~Q(kind=Kind.REVERSAL) & Q(reverses__isnull=True, reversed_kind__isnull=True)),
                name="fee_entry_reversal_shape",
            ),
            models.CheckConstraint(
                condition=Q(follows__isnull=True) | Q(kind=Kind.CHARGE), name="fee_entry_only_charges_follow"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[Kind.PAYMENT, Kind.REFUND]) | ~Q(method=""),
                name="fee_entry_cash_has_method",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind=Kind.CHARGE, follows__isnull=True),
                name="fee_entry_one_first_charge",
            ),
            # Targets of the composite foreign keys added on PostgreSQL by migration 0002.
            models.UniqueConstraint(fields=["id", "account", "kind", "amount"], name="fee_entry_reversal_target"),
            models.UniqueConstraint(fields=["id", "account", "reversed_kind"], name="fee_entry_follow_target"),
        ]
        indexes = [models.Index(fields=["college", "kind"], name="fee_entry_college_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def balance_delta(self) -> Decimal:
        return balance_delta(self.kind, self.reversed_kind, self.amount)

    @property
    def cash_delta(self) -> Decimal:
        return cash_delta(self.kind, self.reversed_kind, self.amount)

    @property
    def note_display(self) -> str:
        """The note in the reader's language: the system's code rendered, then what a person typed."""
        if self.note_code == NoteCode.PLATFORM_PAYMENT:
            return _("支付平台交易号 %(id)s") % {"id": (self.note_data or {}).get("transaction_id", "")}
        if self.note_code:
            label = NoteCode(self.note_code).label
            return _("%(label)s：%(note)s") % {"label": label, "note": self.note} if self.note else str(label)
        return self.note


class Remittance(models.Model):
    """A college hands the cash it collected to 教务处; covers entries not remitted before."""

    campaign = models.ForeignKey(
        "sessions_app.Campaign", on_delete=models.PROTECT, related_name="remittances", verbose_name=_("采集批次")
    )
    college = models.ForeignKey(
        "sessions_app.College", on_delete=models.PROTECT, related_name="remittances", verbose_name=_("学院")
    )
    amount = models.DecimalField(_("上交金额"), max_digits=12, decimal_places=2)
    entry_count = models.PositiveIntegerField(_("笔数"))
    # The college's position when it remitted, kept as printed on the slip handed to 教务处.
    captured_count = models.PositiveIntegerField(_("当时已采集人数"), default=0)
    expected = models.DecimalField(_("当时应收"), max_digits=12, decimal_places=2, default=ZERO)
    collected = models.DecimalField(_("当时已收"), max_digits=12, decimal_places=2, default=ZERO)
    remitted_before = models.DecimalField(_("此前已上交"), max_digits=12, decimal_places=2, default=ZERO)
    unpaid_count = models.PositiveIntegerField(_("当时未缴人数"), default=0)
    outstanding_after = models.DecimalField(
        _("本次上交后仍未上交"), max_digits=12, decimal_places=2, default=ZERO, help_text=_("应收−减免−平台直缴−已上交")
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("提交编号"), max_length=120, unique=True)
    cancelled_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回人"),
    )

    class Meta:
        verbose_name = _("上交记录")
        verbose_name_plural = _("上交记录")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_remittance_amount_positive"),
        ]

    def __str__(self):
        return f"{self.college} {self.amount}"


class RemittanceItem(models.Model):
    """Which cash entry a remittance covers; an entry is covered by at most one live remittance."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="items", verbose_name=_("上交单"))
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, related_name="remittance_item", verbose_name=_("费用记录")
    )

    class Meta:
        verbose_name = _("上交明细")
        verbose_name_plural = _("上交明细")

    def __str__(self):
        return f"{self.remittance} · {self.entry}"


class RemittanceConfirmation(AppendOnlyModel):
    """教务处 states what actually arrived; the difference to the remittance stays on record."""

    remittance = models.OneToOneField(
        Remittance, on_delete=models.PROTECT, related_name="confirmation", verbose_name=_("上交记录")
    )
    received_amount = models.DecimalField(_("实收金额"), max_digits=12, decimal_places=2)
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("到账确认")
        verbose_name_plural = _("到账确认")
        constraints = [
            models.CheckConstraint(condition=Q(received_amount__gte=0), name="fee_confirmation_not_negative"),
        ]

    def __str__(self):
        return gettext("%(remittance)s 的到账确认") % {"remittance": self.remittance}

    @property
    def difference(self) -> Decimal:
        return self.received_amount - self.remittance.amount


class CallbackStatus(models.TextChoices):
    POSTED = "posted", _("已入账")
    DUPLICATE = "duplicate", _("重复通知")
    BAD_SIGNATURE = "bad_signature", _("签名错误")
    REJECTED = "rejected", _("已拒绝")


class CallbackLog(models.Model):
    """Every call of the payment platform's callback, kept whatever happened, for staff to review."""

    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)
    remote_addr = models.CharField(_("来源地址"), max_length=64, blank=True)
    raw_body = models.TextField(_("原始内容"), blank=True)
    signature = models.CharField(_("签名"), max_length=200, blank=True)
    status = models.CharField(_("结果"), max_length=16, choices=CallbackStatus.choices)
    http_status = models.PositiveSmallIntegerField(_("响应码"))
    # Why it was refused, as a code and data (fees.callback_errors puts them into words).
    error_code = models.CharField(_("错误类型"), max_length=32, blank=True)
    error_data = models.JSONField(_("错误数据"), default=dict, blank=True)
    transaction_id = models.CharField(_("交易号"), max_length=64, blank=True, db_index=True)
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("费用记录")
    )

    class Meta:
        verbose_name = _("支付平台回调")
        verbose_name_plural = _("支付平台回调")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{datetime_short(self.received_at)} {self.get_status_display()}"

    @property
    @admin.display(description=_("错误"))
    def error(self) -> str:
        return describe(self.error_code, self.error_data)


from .models_service import (  # noqa: E402, F401
    ConfirmationReversal,
    FeeNotice,
    GroupPayment,
    GroupPaymentItem,
    ServiceCount,
)
