"""The demo's SQLite file under two writers: the second waits for the first instead of failing."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transaction_that_reads_then_writes_waits_for_another_writer():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own locking; PostgreSQL locks rows")
    writing, done = threading.Event(), threading.Event()
    errors = []

    def other_writer():
        try:
            with transaction.atomic():
                Group.objects.create(name="另一台采集台")
                writing.set()
                done.wait(0.5)  # holds the write lock a while, as a slow request does
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
            writing.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    writing.wait(5)
    # A deferred transaction reads first, then fails at once on its first write ("database is
    # locked"): this is what a desk swipe did while the desk's counts were being written.
    with transaction.atomic():
        seen = Group.objects.count()
        Group.objects.create(name="本采集台")
    thread.join(5)
    assert not errors, errors
    assert seen == 1
    assert set(Group.objects.values_list("name", flat=True)) == {"另一台采集台", "本采集台"}
