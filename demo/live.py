"""This year's campaign, made from the notice's with `clone_campaign` and living today.

Capture day is today (Asia/Shanghai) and the schedule is placed around the time the demo is
loaded (`place_around`): in each group one slot runs now, the ones before it have been shot,
the later ones are still to come, so the desks are live whenever the demo starts. Everything else a role meets on such a
day is already there, made through the same services the pages call: part of the fees paid
(by every method), one remittance confirmed short and one waiting, verification countdowns
running, problem reports at each step, retakes in each state with photos that pass and fail
the automatic check, and reminders in the inboxes.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from capture_day.services import check_in, undo_check_in
from fees.models import Method
from fees.reminders import send_remittance_reminders
from fees.remittances import confirm_remittance, create_remittance
from fees.services import mark_paid, post_platform_payment
from retakes import services as retake_services
from retakes.models import Channel, Reason
from retakes.services import (
    cancel_request,
    create_request,
    record_paper_photo,
    review_photo,
    run_photo_check,
    submit_photo,
)
from sessions_app.cloning import clone_campaign
from sessions_app.models import Campaign, Capture, CaptureGroup, Slot, Student
from sessions_app.services import refresh_slot_assignments
from verification.models import ProblemType
from verification.reminders import send_slot_reminders
from verification.services import confirm_verification, forward_report, report_problem, resolve_report

from . import seed

PHOTOS = Path(__file__).resolve().parent / "photos"
CS = "计算机科学与工程学院"
# Slots shot so far on the capture day: the first two of each group; the third runs now.
SHOT_PER_GROUP = 2
DAY_END = 24 * 3600 - 1  # a slot may not cross midnight (its end must follow its start)
PAID_SHARE = 0.65
CONFIRMED_SHARE = 0.35
METHODS = [(Method.CASH, 0.45), (Method.WECHAT, 0.25), (Method.ALIPAY, 0.12), (Method.CAMPUS_PLATFORM, 0.18)]


def _captured():
    return Exists(Capture.objects.filter(student=OuterRef("pk"), undone_at__isnull=True))


@dataclass
class LiveSummary:
    campaign: Campaign
    created: bool
    captures: int = 0
    logins: list = field(default_factory=list)
    activation: tuple | None = None


def cohort_for(today: datetime.date) -> int:
    """A campaign in the autumn shoots next summer's graduates (2020-11-26 was 2021届)."""
    return today.year + 1 if today.month >= 7 else today.year


def build(*, source: Campaign, accounts: seed.Accounts, roles: dict, today=None, size=1.0, progress=print, now=None):
    now = timezone.localtime(now)
    today = today or now.date()
    cohort = cohort_for(today)
    existing = Campaign.objects.filter(code=str(cohort)).first()
    if existing is not None:
        progress(
            _("本届批次 %(code)s 已存在，保留原数据（首个采集日 %(dates)s）")
            % {"code": existing.code, "dates": existing.capture_dates}
        )
        return LiveSummary(campaign=existing, created=False, logins=_logins(existing))
    staff = roles["staff"]
    campaign = clone_campaign(
        source=source, code=str(cohort), name=f"{cohort}届本科毕业生图像采集", capture_day=today, actor=staff
    )
    progress(
        _("由 %(source)s 复制本届批次 %(code)s，采集日 %(day)s（今天）")
        % {"source": source.code, "code": campaign.code, "day": today.isoformat()}
    )
    place_around(campaign=campaign, day=today, at=now.time())
    created = seed.roster(campaign, seed.campuses(), seed.colleges(), entry_year=cohort - 4, seed=cohort, size=size)
    refresh_slot_assignments(campaign=campaign)
    accounts.assign_counselors(campaign, roles["counselors"])
    roles["operator"].capture_groups.add(*CaptureGroup.objects.filter(campaign=campaign, name="金石滩第一组"))
    progress(
        ngettext("本届名单 %(n)s 人，已按日程分配时段", "本届名单 %(n)s 人，已按日程分配时段", created) % {"n": created}
    )

    people = _people(campaign, accounts, today)
    send_slot_reminders(campaign=campaign, today=today - datetime.timedelta(days=1))
    progress(_("昨天的采集提醒已发到学生的消息中心"))

    summary = LiveSummary(campaign=campaign, created=True)
    summary.captures = _captures(campaign, roles)
    progress(
        ngettext(
            "各组已结束的时段已采集 %(n)s 人；每组有一个时段正在进行，其后的时段待采集",
            "各组已结束的时段已采集 %(n)s 人；每组有一个时段正在进行，其后的时段待采集",
            summary.captures,
        )
        % {"n": summary.captures}
    )
    rng = random.Random(cohort)
    paid = _payments(campaign, roles, rng, keep_unpaid={people["captured"].pk})
    progress(
        ngettext(
            "已缴费 %(n)s 人（现金、微信、支付宝、统一支付平台）",
            "已缴费 %(n)s 人（现金、微信、支付宝、统一支付平台）",
            paid,
        )
        % {"n": paid}
    )
    _remittances(campaign, roles)
    send_remittance_reminders(today=today)
    progress(_("经济管理学院上交已确认（少收 ¥17.00），国际商学院上交待确认；上交提醒已发给各学院负责老师"))
    confirmed = _confirmations(campaign, rng, keep={people["captured"].pk})
    progress(
        ngettext(
            "已有 %(n)s 人在学信网核对确认，其余人的校对倒计时进行中",
            "已有 %(n)s 人在学信网核对确认，其余人的校对倒计时进行中",
            confirmed,
        )
        % {"n": confirmed}
    )
    _reports(campaign, roles, accounts)
    progress(_("网上校对问题反馈：自行处理、待学院上报、已上报、已处理各有几条"))
    # The student printed for trying self-activation must stay without an account.
    spare = activation_sample(campaign)
    keep = {people["captured"].pk, people["waiting"].pk} | ({spare.pk} if spare else set())
    _retakes(campaign, roles, accounts, keep=keep)
    progress(_("补拍申请：各个状态都有，含通过和未通过自动检查的照片"))
    summary.logins = _logins(campaign, today)
    return summary


def _people(campaign, accounts, today: datetime.date) -> dict:
    """The students the README prints: one who will have been captured (fee due, countdown running),
    one whose slot runs now (not yet captured), one without an account (to try activation)."""
    cs_slot = Slot.objects.filter(group__campaign=campaign, audiences__college__name=CS).first()
    cs_students = Student.objects.filter(assigned_slot=cs_slot).order_by("student_no")
    captured = cs_students.first()
    later = _waiting_slot(campaign, today)
    waiting = Student.objects.filter(assigned_slot=later).order_by("student_no").first()
    for student in (captured, waiting):
        accounts.student(student)
    return {"captured": captured, "waiting": waiting}


def _shot_slots(campaign) -> list[Slot]:
    shot = []
    for group in CaptureGroup.objects.filter(campaign=campaign).order_by("sort_order"):
        shot += list(group.slots.order_by("date", "start_time")[:SHOT_PER_GROUP])
    return shot


def running_index(count: int) -> int:
    """Which of a group's slots runs now: the one after the shot ones (the last, if there are fewer)."""
    return min(SHOT_PER_GROUP, count - 1)


def place_around(*, campaign: Campaign, day: datetime.date, at: datetime.time) -> None:
    """Move each group's slots of `day` so that `at` falls in its running slot, every slot keeping
    its real length (and the gaps between them where it can).

    The running slot is centred on `at`, held inside the day (at 00:05 it begins at 00:00, at
    23:55 it ends at 23:59:59). The slots before it keep their lengths and gaps backwards from
    it; when the day has too little room before it (just after midnight), those that do not fit
    go to the previous day, already shot. Likewise the later ones go to the next day when too
    little of the day is left. A slot never crosses midnight: one that would is moved whole to
    the side of it its neighbours are on.
    """
    now = _seconds(at)
    for group in CaptureGroup.objects.filter(campaign=campaign):
        slots = list(group.slots.filter(date=day).order_by("start_time"))
        if not slots:
            continue
        bounds = _placed([(_seconds(s.start_time), _seconds(s.end_time)) for s in slots], now)
        # Two steps: a slot's new start may be another's old one (unique per group and day).
        for i, slot in enumerate(slots):
            slot.start_time = datetime.time(0, 0, i)
            slot.save(update_fields=["start_time"])
        for slot, (start, end) in zip(slots, bounds, strict=True):
            slot.date = day + datetime.timedelta(days=start // DAY)
            slot.start_time, slot.end_time = _time(start % DAY), _time(end % DAY)
            slot.save(update_fields=["date", "start_time", "end_time"])


DAY = 24 * 3600


def _placed(bounds: list[tuple[int, int]], now: int) -> list[tuple[int, int]]:
    """The slots' new (start, end) in seconds from `day`'s midnight: below 0 the previous day,
    from DAY on the next one. Lengths are kept; the running slot holds `now` and stays on the day."""
    running = running_index(len(bounds))
    first, last = bounds[running]
    length = last - first
    start = round((now - length / 2) / 60) * 60  # whole minutes, as a schedule is written
    start = min(max(start, 0), DAY_END - length, now)
    placed = {running: (start, start + length)}
    for i in range(running - 1, -1, -1):  # earlier slots, backwards from the running one
        gap = bounds[i + 1][0] - bounds[i][1]
        end = placed[i + 1][0] - gap
        begin = end - (bounds[i][1] - bounds[i][0])
        if end - begin // DAY * DAY > DAY_END:  # it would cross midnight: wholly before it
            end = (begin // DAY + 1) * DAY - 1
            begin = end - (bounds[i][1] - bounds[i][0])
        placed[i] = (begin, end)
    for i in range(running + 1, len(bounds)):  # later slots, forwards
        gap = bounds[i][0] - bounds[i - 1][1]
        begin = placed[i - 1][1] + gap
        end = begin + (bounds[i][1] - bounds[i][0])
        if end - begin // DAY * DAY > DAY_END:  # it would cross midnight: wholly after it
            begin = (begin // DAY + 1) * DAY
            end = begin + (bounds[i][1] - bounds[i][0])
        placed[i] = (begin, end)
    return [placed[i] for i in range(len(bounds))]


def _seconds(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _time(seconds: int) -> datetime.time:
    return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _absent(i: int, slot) -> bool:
    return i % 25 == 7  # 4 %: they will need a retake


def _captures(campaign, roles) -> int:
    operator, staff = roles["operator"], roles["staff"]
    own = set(operator.capture_groups.values_list("pk", flat=True))

    def capture(*, slot, operator, **swipe):
        # check_in lets an operator swipe only at their own group's desks: the other groups' desks
        # were run by 教务处's staff on the day.
        return check_in(slot=slot, operator=operator if slot.group_id in own else staff, **swipe)

    return seed.capture_slots(
        campaign=campaign, slots=_shot_slots(campaign), operator=operator, capture=capture, absent=_absent
    )


def _payments(campaign, roles, rng, keep_unpaid: set[int]) -> int:
    captured = Student.objects.filter(_captured(), campaign=campaign).exclude(pk__in=keep_unpaid).order_by("student_no")
    by_batch: dict[tuple[int, str], list[Student]] = {}
    for student in captured:
        if rng.random() >= PAID_SHARE:
            continue
        method = rng.choices([m for m, _w in METHODS], weights=[w for _m, w in METHODS])[0]
        by_batch.setdefault((student.college_id, method), []).append(student)
    paid = 0
    for (college_id, method), students in sorted(by_batch.items()):
        if method == Method.CAMPUS_PLATFORM:
            # These arrive by the platform's signed callback, never from a person.
            for student in students:
                post_platform_payment(
                    student=student,
                    amount=campaign.fee_per_person,
                    transaction_id=f"DEMO{campaign.code}{student.pk:08d}",
                    paid_at=timezone.now(),
                )
            paid += len(students)
            continue
        result = mark_paid(
            students=students,
            method=method,
            actor=roles["coordinators"][college_id],
            idempotency_key=f"demo-{campaign.code}-{college_id}-{method}",
        )
        paid += len(result.created)
    return paid


def _remittances(campaign, roles) -> None:
    staff = roles["staff"]
    short, waiting = seed.colleges()["经济管理学院"], seed.colleges()["国际商学院"]
    remittance, _ = create_remittance(
        campaign=campaign,
        college=short,
        actor=roles["coordinators"][short.pk],
        idempotency_key=f"demo-{campaign.code}-remit-{short.pk}",
    )
    confirm_remittance(
        remittance=remittance,
        actor=staff,
        received_amount=remittance.amount - campaign.fee_per_person,
        note="现金清点少一人份",
    )
    create_remittance(
        campaign=campaign,
        college=waiting,
        actor=roles["coordinators"][waiting.pk],
        idempotency_key=f"demo-{campaign.code}-remit-{waiting.pk}",
    )
    # After the remittance the desk finds a wrong swipe: the college has now remitted more than it owes.
    capture = (
        Capture.objects.filter(campaign=campaign, student__college=short, undone_at__isnull=True)
        .filter(student__fee_account__paid__gt=Decimal("0"))
        .exclude(student__fee_account__entries__method=Method.CAMPUS_PLATFORM)
        .order_by("-captured_at")
        .first()
    )
    if capture is not None:
        undo_check_in(capture=capture, actor=staff, reason="刷错卡：该生本人未到场，由同学代刷")


def _confirmations(campaign, rng, keep: set[int]) -> int:
    students = Student.objects.filter(_captured(), campaign=campaign).exclude(pk__in=keep)
    count = 0
    with transaction.atomic():
        for student in students.order_by("student_no"):
            if rng.random() < CONFIRMED_SHARE:
                confirm_verification(student=student, actor=student.user)
                count += 1
    return count


def _captured_cs(campaign):
    return (
        Student.objects.filter(_captured(), campaign=campaign, college__name=CS)
        .exclude(verification_records__confirmed_at__isnull=False)
        .order_by("-student_no")
    )


def _reports(campaign, roles, accounts) -> None:
    """At each step: solved on CHSI by the student, waiting for the coordinator, forwarded, resolved."""
    cs = seed.colleges()[CS]
    coordinator, staff = roles["coordinators"][cs.pk], roles["staff"]
    students = list(_captured_cs(campaign)[:7])
    plan = [
        (ProblemType.NO_PHOTO_FIND, "", None),
        (ProblemType.NO_PHOTO_CONTACT, "", None),
        (ProblemType.WRONG_DATA, "身份证号最后一位应为 X", None),
        (ProblemType.WRONG_DATA, "专业名称少了“（中外合作）”", None),
        (ProblemType.WRONG_PHOTO, "照片是同班另一位同学的", None),
        (ProblemType.WRONG_DATA, "姓名中的“堃”显示为问号", "forward"),
        (ProblemType.WRONG_PHOTO, "照片与本人不符", "resolve"),
    ]
    for student, (problem, text, then) in zip(students, plan, strict=False):
        user = accounts.student(student)
        report = report_problem(student=student, problem_type=problem, description=text, actor=user)
        if then in ("forward", "resolve"):
            report = forward_report(report=report, actor=coordinator, note="已汇总上报学籍科")
        if then == "resolve":
            resolve_report(report=report, actor=staff, note="学籍科已更正照片，请 24 小时后重新登录学信网核对")


def _absentees(campaign):
    """Students of the shot slots who were not captured: they need a retake."""
    shot = _shot_slots(campaign)
    return (
        Student.objects.filter(~_captured(), assigned_slot__in=shot)
        .select_related("counselor", "college")
        .order_by("college__sort_order", "student_no")
    )


# Each state a retake request can be in, for the README's counselor (counselor_cs) to meet.
RETAKE_STEPS = [
    ("requested", Reason.MISSED_SHOOT, Channel.CENTRAL),
    ("submitted", Reason.INTERNSHIP, Channel.LOCAL_XINHUA),
    ("checked_pass", Reason.INTERNSHIP, Channel.ONLINE),
    ("checked_fail", Reason.HOSPITAL, Channel.PROXY),
    ("accepted_paper", Reason.INTERNSHIP, Channel.LOCAL_XINHUA),
    ("returned", Reason.ABROAD, Channel.PROXY),
    ("done", Reason.MILITARY, Channel.PROXY),
    ("done_paper", Reason.INTERNSHIP, Channel.ONLINE),
    ("cancelled", Reason.MISSED_SHOOT, Channel.CENTRAL),
]
WRONG_PHOTO = "学信网上的照片不是本人（张冠李戴），需重新采集"


def _retake_students(campaign, keep: set[int]) -> list[Student]:
    """The counselor's students for RETAKE_STEPS: those who missed their shot slot first; a small
    roster has too few of them, so then captured students whose CHSI photo is someone else's."""
    missed = list(_absentees(campaign).filter(college__name=CS)[: len(RETAKE_STEPS)])
    others = (
        Student.objects.filter(_captured(), campaign=campaign, college__name=CS)
        .exclude(pk__in=keep)
        .select_related("counselor")
        .order_by("student_no")
    )
    return missed + list(others[: len(RETAKE_STEPS) - len(missed)])


def _retakes(campaign, roles, accounts, keep: set[int]) -> None:
    passes = (PHOTOS / "passes.jpg").read_bytes()
    fails = (PHOTOS / "fails.jpg").read_bytes()
    staff = roles["staff"]
    for student, (state, reason, channel) in zip(_retake_students(campaign, keep), RETAKE_STEPS, strict=False):
        user = accounts.student(student)
        captured = Capture.objects.filter(student=student, undone_at__isnull=True).exists()
        request = create_request(
            student=student,
            actor=user,
            reason=Reason.OTHER if captured else reason,
            reason_detail=WRONG_PHOTO if captured else "",
            channel=channel,
            planned_date=timezone.localdate() + datetime.timedelta(days=7),
        )
        if state == "cancelled":
            cancel_request(request=request, actor=user, reason="已赶上下午的加拍")
            continue
        if state == "requested":
            continue
        photo = fails if state in ("checked_fail", "returned") else passes
        note = "住院期间由家属代拍，背景不够均匀" if state == "checked_fail" else ""
        if state == "submitted":
            _submit_unchecked(request=request, data=photo, actor=student.counselor or user)
            continue
        submitted = submit_photo(request=request, data=photo, actor=student.counselor or user, note=note)
        # The check is a Celery job after commit; the demo runs it now whatever the broker.
        run_photo_check(photo_id=submitted.pk)
        request.refresh_from_db()
        if state == "returned":
            review_photo(request=request, actor=staff, accept=False, reason="头像过大、头顶没有留白，请按要求重拍")
        elif state in ("accepted_paper", "done", "done_paper"):
            review_photo(request=request, actor=staff, accept=True)
            if state == "done_paper":
                record_paper_photo(request=request, actor=student.counselor or staff)


def _submit_unchecked(*, request, data: bytes, actor) -> None:
    """A photo still waiting for its check, as behind a busy worker. The demo's Celery is eager and
    would check it on commit; with the queueing left out the photo stays pending until beat's
    sweeper (retakes.sweep_pending_checks) queues it, which a demo without beat never runs."""
    with mock.patch.object(retake_services, "_enqueue_check"):
        submit_photo(request=request, data=data, actor=actor)


def _waiting_slot(campaign, today: datetime.date | None) -> Slot | None:
    """金石滩第一组's last slot of the capture day: late in the evening the later ones are on
    the next day (place_around), and the printed student must be waiting today."""
    slots = Slot.objects.filter(group__campaign=campaign, group__name="金石滩第一组")
    today_slots = slots.filter(date=today or timezone.localdate())
    return (today_slots if today_slots.exists() else slots).order_by("date", "start_time").last()


def _logins(campaign, today: datetime.date | None = None) -> list[tuple[str, str, str]]:
    cs_slot = Slot.objects.filter(group__campaign=campaign, audiences__college__name=CS).first()
    captured = Student.objects.filter(assigned_slot=cs_slot, user__isnull=False).order_by("student_no").first()
    later = _waiting_slot(campaign, today)
    waiting = Student.objects.filter(assigned_slot=later, user__isnull=False).order_by("student_no").first()
    rows = []
    if captured is not None:
        label = f"毕业生（{captured.name}，已采集，待缴费，校对倒计时中）"
        rows.append((label, captured.student_no, seed.DEMO_PASSWORD))
    if waiting is not None:
        slot = waiting.assigned_slot
        rows.append(
            (f"毕业生（{waiting.name}，今天 {slot.time_range()} 待采集）", waiting.student_no, seed.DEMO_PASSWORD)
        )
    return rows


def activation_sample(campaign) -> Student | None:
    """A captured student without an account, for trying /accounts/activate/."""
    return (
        Student.objects.filter(_captured(), campaign=campaign, college__name=CS, user__isnull=True)
        .order_by("student_no")
        .first()
    )
