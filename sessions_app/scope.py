"""Who may see which students, colleges and desks. Every view, export and admin page asks here;
nowhere else decides. (Here, not in accounts: the rules are about this app's rows.)"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core.web import parse_pk

from .models import Campaign, CaptureGroup, College, Slot, Student


def visible_students(user, campaign: Campaign | None = None) -> QuerySet[Student]:
    qs = Student.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_academic_staff:
        return qs
    if user.is_coordinator:
        # The ids as a list, not a subquery: PostgreSQL then reads one college through the
        # (campaign, college) index instead of joining the whole roster first (4x on 20,000).
        return qs.filter(college_id__in=[college.pk for college in visible_college_list(user)])
    if user.is_counselor:
        return qs.filter(counselor=user)
    if user.is_student:
        return qs.filter(user=user)
    return qs.none()


def visible_college_list(user) -> list[College]:
    """visible_colleges as a list, read once per user object: a page asks for the students' scope
    and for the college list. The request's user is loaded afresh for each request, so a change
    of a coordinator's colleges shows on the next one."""
    memo = vars(user)  # an attribute the model does not declare, kept on this one object
    if "_visible_college_list" not in memo:
        memo["_visible_college_list"] = list(visible_colleges(user))
    colleges: list[College] = memo["_visible_college_list"]
    return colleges


def visible_colleges(user) -> QuerySet[College]:
    if not user.is_authenticated:
        return College.objects.none()
    if user.is_academic_staff:
        return College.objects.all()
    if user.is_coordinator:
        return user.colleges.all()
    return College.objects.none()


def desk_slots(user, campaign: Campaign | None = None) -> QuerySet[Slot]:
    """The slots whose capture desk this user may run."""
    qs = Slot.objects.select_related("group__location__campus", "group__campaign")
    if campaign is not None:
        qs = qs.filter(group__campaign=campaign)
    if not user.is_authenticated:
        return qs.none()
    if user.is_academic_staff:
        return qs
    if user.is_operator:
        return qs.filter(group__in=user.capture_groups.all())
    return qs.none()


def desk_groups(user) -> QuerySet[CaptureGroup]:
    """The capture groups whose desks (and 拍摄号) this user runs: staff any, an operator their own."""
    qs = CaptureGroup.objects.select_related("campaign", "location")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_academic_staff:
        return qs
    if user.is_operator:
        return qs.filter(pk__in=user.capture_groups.all())
    return qs.none()


def dashboard_groups(user, campaign: Campaign) -> QuerySet[CaptureGroup]:
    """The capture groups whose live figures this user may watch: the ones whose desks they run."""
    return desk_groups(user).filter(campaign=campaign)


def get_visible_student_or_404(user, pk, campaign: Campaign | None = None) -> Student:
    pk = parse_pk(pk)
    student = visible_students(user, campaign).filter(pk=pk).first() if pk is not None else None
    if student is None:
        raise Http404(_("没有这名学生，或你无权查看"))
    return student


def student_profiles(user) -> QuerySet[Student]:
    """The student's own records, newest campaign first (none for anyone who is not a student)."""
    if not user.is_authenticated or not user.is_student:
        return Student.objects.none()
    return student_profiles_of(user.pk)


def student_profiles_of(user_id: Any) -> QuerySet[Student]:
    """student_profiles of a student's account by its id (or an expression: a query compiled once
    takes the id as a parameter, sessions_app.selectors.student_home_profile)."""
    return (
        Student.objects.filter(user_id=user_id)
        .select_related("campaign", "college", "assigned_slot__group__location__campus")
        .order_by("-campaign__created_at")
    )


def student_profile(user, campaign: Campaign | None = None) -> Student | None:
    """The student's own record in a campaign (by default their newest campaign's: a graduate has one)."""
    qs = student_profiles(user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.first()
