"""The one base of every Celery task: one retry policy, enqueue on commit, broker outages survived.

Every task is declared `@shared_task(base=BaseTask, name="<app>.<function>")`. Web code calls
`task.enqueue(...)`, never `.delay()`: the message goes out only once the transaction that
made its row commits (a worker never looks for a row it cannot see yet), and a broker that is
down is logged, not raised, so the request that asked for the work still answers. The work
is not lost: every job's row stays pending and a beat sweeper re-queues what is left pending.
"""

import logging
from typing import Any

from celery import Task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Errors that go away by themselves: a database restarting or a lost connection, the broker
# going away under a worker. Everything else (TypeError, IntegrityError, DoesNotExist, ...) is
# a programming or data error that a retry only repeats, so it is never retried.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, BrokerError, ConnectionError)


# celery ships no type information, so Task is Any to mypy; subclassing it is the point here.
class BaseTask(Task):  # type: ignore[misc]
    acks_late = True  # a worker killed mid-job leaves the message to be handed out again
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 6

    def enqueue(self, *args: Any, **kwargs: Any) -> None:
        """Send after the current transaction commits (at once outside one)."""

        # Robust outside eager mode: whatever sending raises after the commit is logged, never
        # turned into an error page for a request whose work is already saved (the row stays
        # pending for its sweeper). In the demo and tests the job's own errors propagate.
        # A function, not a partial: Django logs a robust callback's failure by its __qualname__,
        # which a partial lacks (the logging itself would raise).
        def send_after_commit() -> None:
            self.send_now(*args, **kwargs)

        transaction.on_commit(send_after_commit, robust=not self.app.conf.task_always_eager)

    def send_now(self, *args: Any, **kwargs: Any) -> bool:
        """Publish now; False when the broker is unreachable (the sweeper sends it later)."""
        if self.app.conf.task_always_eager:
            self.apply_async(args, kwargs)  # the demo and tests: errors of the job itself propagate
            return True
        try:
            self.apply_async(args, kwargs)
        except (BrokerError, OSError, RedisError) as exc:
            logger.warning("broker unreachable, %s(%s) left for the sweeper: %r", self.name, args, exc)
            return False
        return True
