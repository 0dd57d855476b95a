"""Two people acting on one retake at the same moment (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from retakes import services
from retakes.models import Channel, EventNote, Reason, RetakeEvent, RetakeRequest, Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls in parallel threads, each on its own connection; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_student_and_counselor_filing_at_once_make_one_request(student, student_user, counselor):
    def file(actor, channel):
        return lambda: services.create_request(student=student, actor=actor, reason=Reason.INTERNSHIP, channel=channel)

    results = race(file(student_user, Channel.LOCAL_XINHUA), file(counselor, Channel.ONLINE))
    created = [r for r in results if isinstance(r, RetakeRequest)]
    refused = [r for r in results if isinstance(r, services.RetakeError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert RetakeRequest.objects.filter(student=student).count() == 1


def test_paper_photo_recorded_twice_at_once_is_recorded_once(student, student_user, counselor, staff):
    request = services.create_request(
        student=student, actor=student_user, reason=Reason.INTERNSHIP, channel=Channel.LOCAL_XINHUA
    )
    results = race(
        lambda: services.record_paper_photo(request=request, actor=counselor),
        lambda: services.record_paper_photo(request=request, actor=staff),
    )
    assert sum(isinstance(r, RetakeRequest) for r in results) == 1, results
    assert sum(isinstance(r, services.RetakeError) for r in results) == 1
    assert RetakeEvent.objects.filter(request=request, note_code=EventNote.PAPER_RECEIVED).count() == 1


def test_cancel_and_review_race_leaves_one_consistent_status(student, student_user, staff, photos):
    request = services.create_request(
        student=student, actor=student_user, reason=Reason.HOSPITAL, channel=Channel.PROXY
    )
    photo = services.submit_photo(request=request, data=photos["pass"], actor=student_user)
    services.run_photo_check(photo_id=photo.pk)
    results = race(
        lambda: services.review_photo(request=request, actor=staff, accept=True),
        lambda: services.cancel_request(request=request, actor=student_user, reason="不补拍了"),
    )
    request.refresh_from_db()
    winners = [r for r in results if isinstance(r, RetakeRequest)]
    assert len(winners) == 1, results
    assert request.status in (Status.DONE, Status.CANCELLED)
    history = list(request.events.values_list("to_status", flat=True))
    assert (Status.CANCELLED in history) != (Status.DONE in history)
