"""Row locks, one way for the whole project (after pretix's `lock_objects`).

Every `SELECT ... FOR UPDATE` goes through `lock_rows` / `lock_row`:
- outside a transaction a lock would be released at once, so they refuse to run there;
- rows are locked in primary-key order, so two writers that lock the same rows never deadlock;
- on PostgreSQL the wait is bounded by settings.LOCK_TIMEOUT_MS (`SET LOCAL lock_timeout`): a
  desk swipe behind a long write answers "please retry" instead of hanging. The setting stays for
  the rest of the transaction, so every later wait in it (a unique index, another lock) is bounded
  too; `is_lock_timeout` recognises such a timeout wherever it is raised.

A lock timeout aborts the transaction on PostgreSQL: callers let `Busy` propagate out of their
`transaction.atomic()` (which rolls back) and never go on querying after catching it.
"""

from collections.abc import Sequence
from typing import Any, Literal, TypeVar, overload

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

from .errors import Busy

M = TypeVar("M", bound=Model)

# PostgreSQL's lock_not_available: lock_timeout fired, or NOWAIT found the row taken.
LOCK_NOT_AVAILABLE = "55P03"


def lock_rows(queryset: QuerySet[M], *, of: Sequence[str] = ()) -> list[M]:
    """Lock every row of `queryset` (in pk order) until the transaction ends, and return them."""
    return _locked(queryset.select_for_update(of=tuple(of)).order_by("pk"))


@overload
def lock_row(queryset: QuerySet[M], *, of: Sequence[str] = (), required: Literal[True] = True) -> M: ...
@overload
def lock_row(queryset: QuerySet[M], *, of: Sequence[str] = (), required: Literal[False]) -> M | None: ...
def lock_row(queryset: QuerySet[M], *, of: Sequence[str] = (), required: bool = True) -> M | None:
    """Lock the one row of `queryset` and return it.

    required=True behaves like `.get()` (DoesNotExist, MultipleObjectsReturned); required=False
    like `.first()`: None when there is none, else the row with the lowest pk (only it is locked).
    """
    queryset = queryset.select_for_update(of=tuple(of)).order_by("pk")
    if not required:
        rows = _locked(queryset[:1])
        return rows[0] if rows else None
    rows = _locked(queryset[:2])
    # DoesNotExist and MultipleObjectsReturned are made per model class; the stubs know them only
    # on a concrete model, not on a type variable's bound.
    model: Any = queryset.model
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    if len(rows) > 1:
        raise model.MultipleObjectsReturned(f"more than one {model._meta.object_name} to lock")
    return rows[0]


def bound_lock_waits(using: str = "default") -> None:
    """Bound every lock wait of the rest of this transaction, without locking anything yet.

    For a transaction whose locks are taken by its writes (an upsert locks its row until commit)
    rather than by `lock_row`: one `SET LOCAL lock_timeout` at its start, and a wait past it raises
    the driver's lock_not_available, which `is_lock_timeout` recognises (BusyMiddleware answers it).
    """
    statement = lock_waits_bound_sql(using)
    if statement is not None:
        with connections[using].cursor() as cursor:
            cursor.execute(statement)


def lock_waits_bound_sql(using: str = "default") -> str | None:
    """The statement `bound_lock_waits` sends (None where there is none to send), for a caller
    that sends it in the same round trip as its first write (core.rows.insert_row's `before`)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("a lock timeout outside transaction.atomic() would end at once")
    if connection.vendor != "postgresql":
        return None
    return f"SET LOCAL lock_timeout = {int(settings.LOCK_TIMEOUT_MS)}"


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether `exc` is PostgreSQL giving up on a lock (a Busy, or the driver's own error)."""
    if isinstance(exc, Busy):
        return True
    cause = getattr(exc, "__cause__", None)
    # psycopg 2 calls the SQLSTATE pgcode, psycopg 3 sqlstate.
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    return isinstance(exc, DatabaseError) and code == LOCK_NOT_AVAILABLE


def _locked(queryset: QuerySet[M]) -> list[M]:
    connection = connections[queryset.db]
    if not connection.in_atomic_block:
        raise TransactionManagementError("a row lock outside transaction.atomic() would be released at once")
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        with connection.cursor() as cursor:
            # SET cannot take a bound parameter; the value is an int from settings.
            cursor.execute(f"SET LOCAL lock_timeout = {int(settings.LOCK_TIMEOUT_MS)}")
        return list(queryset)
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise Busy() from exc
        raise
