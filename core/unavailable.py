"""A dependency that blinked (PostgreSQL restarting, a connection cut, Redis away): never a 500.

`unavailable_code(exc)` says whether an exception is such a blink, as the code a client branches
on ("db_unavailable", "queue_unavailable"); photocapture.middleware.UnavailableMiddleware turns it
into a 503 with `Retry-After` (after retrying a GET once on a fresh connection), the payment
callback into its own protocol's 503. A lock that timed out is not a blink: it is `Busy`.
"""

from django.db import InterfaceError, OperationalError, connections
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .locking import is_lock_timeout

DB_UNAVAILABLE = "db_unavailable"
QUEUE_UNAVAILABLE = "queue_unavailable"
# PostgreSQL restarts in 0.2–2 s; a client that waits this long finds it back.
RETRY_AFTER_SECONDS = 3


def unavailable_code(exc: BaseException | None) -> str | None:
    """The code of a dependency's blink, or None for any other error (a bug stays a 500)."""
    if isinstance(exc, (OperationalError, InterfaceError)) and not is_lock_timeout(exc):
        return DB_UNAVAILABLE
    if isinstance(exc, (BrokerError, RedisConnectionError, RedisTimeoutError)):
        return QUEUE_UNAVAILABLE
    return None


def unavailable_message() -> str:
    return _("系统暂时不可用（服务正在重启或连接中断），请稍等几秒再试")


def drop_broken_connections() -> None:
    """Close this thread's database connections so the next query opens a fresh one.

    One inside a transaction is left alone: the transaction's owner (a test, an outer atomic
    block) decides what becomes of it.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()
