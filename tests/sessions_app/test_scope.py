import pytest

from accounts.models import Role
from sessions_app.scope import desk_slots, get_visible_student_or_404, student_profile, visible_students
from tests.factories import make_campaign, make_college, make_slot, make_student, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    campaign = make_campaign()
    cs, econ = make_college("计算机科学与工程学院"), make_college("经济管理学院")
    counselor = make_user(Role.COUNSELOR)
    mine = make_student(campaign, cs, counselor=counselor)
    classmate = make_student(campaign, cs)
    other = make_student(campaign, econ)
    return campaign, cs, econ, counselor, mine, classmate, other


def test_staff_see_everyone(world):
    campaign, *_rest = world
    assert visible_students(make_user(Role.STAFF), campaign).count() == 3


def test_coordinator_sees_only_their_colleges(world):
    campaign, cs, _econ, _c, mine, classmate, other = world
    coordinator = make_user(Role.COORDINATOR)
    coordinator.colleges.add(cs)
    assert set(visible_students(coordinator, campaign)) == {mine, classmate}
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_student_or_404(coordinator, other.pk)


def test_counselor_sees_only_their_students(world):
    campaign, _cs, _econ, counselor, mine, *_ = world
    assert list(visible_students(counselor, campaign)) == [mine]


def test_student_sees_only_themself(world):
    campaign, *_, mine, classmate, _other = world
    user = make_user(Role.STUDENT)
    mine.user = user
    mine.save()
    assert list(visible_students(user, campaign)) == [mine]
    assert student_profile(user) == mine


def test_operator_sees_no_students_and_only_their_desks(world):
    campaign, *_ = world
    operator = make_user(Role.OPERATOR)
    assert visible_students(operator, campaign).count() == 0
    mine = make_slot(campaign, group="金石滩第一组")
    make_slot(campaign, group="开发区第一组")
    operator.capture_groups.add(mine.group)
    assert list(desk_slots(operator, campaign)) == [mine]


def test_inactive_user_sees_nothing(world):
    campaign, *_ = world
    staff = make_user(Role.STAFF, is_active=False)
    assert visible_students(staff, campaign).count() == 0


def test_non_numeric_id_is_a_404_not_a_500(world):
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_student_or_404(make_user(Role.STAFF), "abc")


@pytest.mark.parametrize("pk", ["abc", "-1", "0", str(2**63), "9" * 40, None])
def test_ids_no_row_can_have_are_a_404(world, pk):
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_student_or_404(make_user(Role.STAFF), pk)


@pytest.mark.parametrize("code", ["no-such", "a\x00b", "x" * 100])
def test_unknown_or_malformed_campaign_code_is_a_404(world, code):
    from django.http import Http404
    from django.test import RequestFactory

    from sessions_app.campaigns import current_campaign

    with pytest.raises(Http404):
        current_campaign(RequestFactory().get("/", {"campaign": code}))
