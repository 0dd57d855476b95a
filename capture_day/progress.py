"""A college's progress by class across the whole job: captured, paid, remitted, verified.

It reads every app's tables, so it lives in the top app layer (capture_day), like the demo.
One grouped query whatever the roster's size.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fees.models import FeeAccount, RemittanceItem
from sessions_app.models import Capture, Student
from verification.models import VerificationRecord


@dataclass
class ClassProgress:
    college: str
    class_name: str
    expected: int
    captured: int
    paid: int
    remitted: int
    verified: int

    def share(self, part: int) -> int:
        """Whole percent of the class, for a bar's width and its label."""
        return round(100 * part / self.expected) if self.expected else 0

    @property
    def bars(self) -> list[tuple[str, int, int]]:
        return [
            ("captured", self.captured, self.share(self.captured)),
            ("paid", self.paid, self.share(self.paid)),
            ("remitted", self.remitted, self.share(self.remitted)),
            ("verified", self.verified, self.share(self.verified)),
        ]


def class_progress(students: QuerySet[Student]) -> list[ClassProgress]:
    """Per (college, class) of `students`: how many are captured, paid in full, covered by a live
    remittance (cash the college handed over), and confirmed on CHSI."""
    captured = Exists(Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=True))
    paid = Exists(FeeAccount.objects.filter(student=OuterRef("pk"), charged__gt=0, balance__lte=0))
    remitted = Exists(
        RemittanceItem.objects.filter(entry__account__student=OuterRef("pk"), remittance__cancelled_at__isnull=True)
    )
    verified = Exists(
        VerificationRecord.objects.filter(student=OuterRef("pk"), is_active=True, confirmed_at__isnull=False)
    )
    rows = (
        students.order_by()
        .values("college__sort_order", "college__name", "class_name")
        .annotate(
            expected=Count("pk"),
            captured=Count("pk", filter=Q(captured)),
            paid=Count("pk", filter=Q(paid)),
            remitted=Count("pk", filter=Q(remitted)),
            verified=Count("pk", filter=Q(verified)),
        )
        .order_by("college__sort_order", "college__name", "class_name")
    )
    return [
        ClassProgress(
            r["college__name"], r["class_name"], r["expected"], r["captured"], r["paid"], r["remitted"], r["verified"]
        )
        for r in rows
    ]


def total(rows: list[ClassProgress]) -> ClassProgress:
    return ClassProgress(
        "",
        "",
        *(sum(getattr(r, f) for r in rows) for f in ("expected", "captured", "paid", "remitted", "verified")),
    )
