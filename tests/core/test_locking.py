"""core.locking: refuses to lock outside a transaction, and on PostgreSQL gives up after the timeout."""

import time

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from core.errors import Busy, CodedError
from core.locking import lock_row, lock_rows
from sessions_app.models import College
from tests.factories import make_college

pytestmark = pytest.mark.django_db


# transaction=True: an ordinary test runs inside the test case's own transaction.
@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    college = make_college("经济管理学院")
    with pytest.raises(TransactionManagementError):
        lock_row(College.objects.filter(pk=college.pk))
    with pytest.raises(TransactionManagementError):
        lock_rows(College.objects.all())


def test_lock_row_reads_like_get_or_first():
    a, b = make_college("经济管理学院"), make_college("计算机学院")
    with transaction.atomic():
        assert lock_row(College.objects.filter(pk=a.pk)) == a
        assert lock_row(College.objects.filter(pk=-1), required=False) is None
        assert lock_row(College.objects.filter(pk__in=[b.pk, a.pk]), required=False) == min(a, b, key=lambda c: c.pk)
        with pytest.raises(College.DoesNotExist):
            lock_row(College.objects.filter(pk=-1))
        with pytest.raises(College.MultipleObjectsReturned):
            lock_row(College.objects.filter(pk__in=[a.pk, b.pk]))
        assert lock_rows(College.objects.order_by("-pk")) == sorted([a, b], key=lambda c: c.pk)


def test_busy_is_a_coded_error_that_says_to_retry():
    error = Busy()
    assert isinstance(error, CodedError) and error.code == "lock_timeout"
    assert "请稍后重试" in error.message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_transaction_waiting_on_a_locked_row_gets_the_coded_refusal_within_the_timeout(settings, hold_lock):
    settings.LOCK_TIMEOUT_MS = 300
    college = make_college("经济管理学院")
    with hold_lock(College.objects.filter(pk=college.pk)):
        started = time.monotonic()
        with pytest.raises(Busy) as refused, transaction.atomic():
            lock_row(College.objects.filter(pk=college.pk))
        elapsed = time.monotonic() - started
    assert refused.value.code == "lock_timeout"
    assert 0.3 <= elapsed < 0.3 + 2
    # The aborted transaction was rolled back whole: the connection works, and the row is free again.
    with transaction.atomic():
        assert lock_row(College.objects.filter(pk=college.pk)) == college
