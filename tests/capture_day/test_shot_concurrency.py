"""Four desks of one group swiping at once: one capture per student, 拍摄号 exactly 1..N.

Only meaningful on PostgreSQL (SQLite serialises every writer): the desks are threads, each
with its own connection, and the counter row's lock is what keeps their numbers apart.
"""

import datetime
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from capture_day.services import record_swipe
from sessions_app.idcard import make_id_number
from sessions_app.models import Capture, Level, Shot, ShotCounter, Student
from sessions_app.services import refresh_slot_assignments

DESKS = 4
PER_DESK = 100
# Every RESEND_EVERY-th swipe of a desk is also sent by the next desk under the same nonce,
# at about the same moment: a desk that resends a swipe it saw no answer to.
RESEND_EVERY = 7


def _queue_of_students(campaign, college, n: int) -> None:
    """n more students of the college in one INSERT (the factory's one by one is most of the setup)."""
    first = datetime.date(2000, 1, 1)
    Student.objects.bulk_create(
        Student(
            campaign=campaign,
            college=college,
            student_no=f"2099{i:06d}",
            name=f"排队{i}",
            gender="男",
            id_number=make_id_number(area="110101", birth=first + datetime.timedelta(days=i), sequence=i % 1000),
            class_name="经管1801",
            major="经济学",
            level=Level.UNDERGRADUATE,
        )
        for i in range(n)
    )
    refresh_slot_assignments(campaign=campaign)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_desks_take_gap_free_numbers_with_resent_nonces(world):  # noqa: F811
    _queue_of_students(world.campaign, world.econ, DESKS * PER_DESK - 3)
    students = list(
        Student.objects.filter(assigned_slot=world.slot_econ).order_by("pk").values_list("pk", "student_no")
    )
    assert len(students) == DESKS * PER_DESK
    nonces = {pk: uuid.uuid4() for pk, _no in students}
    queues = [students[desk::DESKS] for desk in range(DESKS)]
    answers: dict[uuid.UUID, list[int]] = {nonce: [] for nonce in nonces.values()}
    errors: list[Exception] = []
    lock = threading.Lock()
    barrier = threading.Barrier(DESKS)

    def send(pk: int, student_no: str) -> None:
        result = record_swipe(
            campaign=world.campaign,
            slot=world.slot_econ,
            identifier=student_no,
            operator=world.operator,
            nonce=nonces[pk],
        )
        assert result.outcome == "captured", result.message
        with lock:
            answers[nonces[pk]].append(result.shot.number)

    def desk(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            neighbour = queues[(index + 1) % DESKS]
            for i, (pk, student_no) in enumerate(queues[index]):
                send(pk, student_no)
                if i % RESEND_EVERY == 0:
                    send(*neighbour[i])
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # each desk had its own connection

    start = datetime.datetime(2020, 11, 26, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        threads = [threading.Thread(target=desk, args=(i,)) for i in range(DESKS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    n = DESKS * PER_DESK
    assert Capture.objects.filter(undone_at__isnull=True).count() == n
    assert Capture.objects.values("student").distinct().count() == n
    numbers = sorted(Shot.objects.values_list("number", flat=True))
    assert numbers == list(range(1, n + 1))
    assert ShotCounter.objects.get().last_number == n
    # A resent nonce got the number its first arrival took, whichever desk sent it first.
    resent = [got for got in answers.values() if len(got) > 1]
    assert len(resent) == DESKS * len(range(0, PER_DESK, RESEND_EVERY))
    assert all(len(set(got)) == 1 for got in resent)
    shot_of = dict(Shot.objects.values_list("capture__student_id", "number"))
    assert all(answers[nonces[pk]][0] == shot_of[pk] for pk, _no in students)
