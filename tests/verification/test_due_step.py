import datetime

from verification.reminders import due_step

STEPS = (14, 7, 3, 1)
DUE = datetime.date(2021, 1, 5)


def step_on(day, sent=(), captured_on=datetime.date(2020, 11, 26)):
    return due_step(due_date=DUE, today=day, steps=STEPS, sent=set(sent), captured_on=captured_on)


def test_nothing_before_the_first_step():
    assert step_on(datetime.date(2020, 12, 21)) is None


def test_each_step_on_its_day():
    assert step_on(datetime.date(2020, 12, 22)) == "d-14"
    assert step_on(datetime.date(2020, 12, 29), sent={"d-14"}) == "d-7"
    assert step_on(datetime.date(2021, 1, 2), sent={"d-14", "d-7"}) == "d-3"
    assert step_on(datetime.date(2021, 1, 4), sent={"d-14", "d-7", "d-3"}) == "d-1"


def test_a_step_is_not_repeated_between_steps():
    assert step_on(datetime.date(2020, 12, 25), sent={"d-14"}) is None


def test_missed_runs_send_only_the_latest_step():
    assert step_on(datetime.date(2021, 1, 3)) == "d-3"


def test_due_day_itself_is_not_overdue():
    assert step_on(DUE, sent={"d-14", "d-7", "d-3", "d-1"}) is None


def test_overdue_once():
    assert step_on(datetime.date(2021, 1, 6), sent={"d-1"}) == "overdue"
    assert step_on(datetime.date(2021, 1, 20), sent={"d-1", "overdue"}) is None


def test_captured_late_only_gets_steps_still_ahead():
    # Captured 2020-12-30 with a due date of 2021-01-05 (a short window): d-14 and d-7 were never ahead.
    late = datetime.date(2020, 12, 30)
    assert step_on(datetime.date(2020, 12, 30), captured_on=late) is None
    assert step_on(datetime.date(2021, 1, 1), captured_on=late) is None
    assert step_on(datetime.date(2021, 1, 2), captured_on=late) == "d-3"
