"""Rows read and written without the ORM's query compiler, for the desk swipe's hot path only.

The swipe (bench/checkin.py) spent about half its Python time compiling the same few ORM
queries again on every request; its rows are plain: one read joined across a handful of
tables and a few INSERTs. Here the column lists come from the models' `_meta` (a renamed or
added field follows on its own), each value goes through its field's own `get_db_prep_save`
on the way in and the backend's and the field's converters on the way out, as the ORM would,
and each statement's text is built once per process. Nothing here decides a rule.

`ModelColumns`: one model's columns in a SELECT and the instance made from them.
`RowBatch`: INSERTs that need nothing back, sent together: on PostgreSQL in one round trip.
`Prepared`: a statement PostgreSQL parses and plans once per connection, not on every swipe.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DatabaseError, IntegrityError, connections
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone

_INSERTS: dict[tuple[str, type[Model], tuple[str, ...], str], str] = {}


def quote(name: str, using: str = "default") -> str:
    return str(connections[using].ops.quote_name(name))


def table(model: type[Model], using: str = "default") -> str:
    return quote(model._meta.db_table, using)


def column(model: type[Model], name: str, using: str = "default") -> str:
    """The quoted column of field `name` (FieldDoesNotExist if the model no longer has it)."""
    field: Any = model._meta.get_field(name)
    return quote(field.column, using)


class ModelColumns:
    """Every concrete column of `model` under `alias` in a SELECT, and the instance made from them."""

    def __init__(self, model: type[Model], alias: str, using: str = "default"):
        self.model, self.alias, self.using = model, alias, using
        self.fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
        self.sql = ", ".join(f"{alias}.{quote(str(f.column), using)}" for f in self.fields)
        self.pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
        connection = connections[using]
        # What the ORM's compiler applies to each column it reads (SQLite's dates, JSON text, ...).
        self.converters = []
        for i, f in enumerate(self.fields):
            col = f.get_col(alias)
            found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            if found:
                self.converters.append((i, col, found))

    def __len__(self) -> int:
        return len(self.fields)

    def read(self, row: Sequence[Any], start: int) -> Any:
        """The instance from row[start:start + len(self)], or None when its pk is NULL (an outer join's miss)."""
        values = list(row[start : start + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        connection = connections[self.using]
        for i, col, converters in self.converters:
            value = values[i]
            for converter in converters:
                value = converter(value, col, connection)
            values[i] = value
        return self.model.from_db(self.using, [f.attname for f in self.fields], values)


def convert(field: Field[Any, Any], value: Any, alias: str = "x", using: str = "default") -> Any:
    """A value of `field` read from a raw row, converted as the ORM would."""
    connection = connections[using]
    col = field.get_col(alias)
    for converter in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
        value = converter(value, col, connection)
    return value


def one_round_trip(using: str = "default") -> bool:
    """Whether several statements may go in one execute: PostgreSQL with parameters bound in the
    client (psycopg2; psycopg 3 unless OPTIONS turn on server-side binding)."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


_STATEMENTS: dict[tuple[str, type[Model], tuple[str, ...], str], Prepared] = {}


def insert_statement(
    model: type[Model], names: tuple[str, ...], *, returning: str = "", using: str = "default"
) -> Prepared:
    """`insert_sql` as a `Prepared` statement, made once per process."""
    key = (using, model, names, returning)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = Prepared(insert_sql(model, names, returning=returning, using=using))
    return statement


def insert_sql(model: type[Model], names: tuple[str, ...], *, returning: str = "", using: str = "default") -> str:
    """INSERT INTO model's table (the fields' columns) VALUES (%s, ...) [RETURNING ...], built once."""
    key = (using, model, names, returning)
    sql = _INSERTS.get(key)
    if sql is None:
        columns = ", ".join(column(model, n, using) for n in names)
        sql = f"INSERT INTO {table(model, using)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
        if returning:
            sql += f" RETURNING {returning}"
        _INSERTS[key] = sql
    return sql


_PLACEHOLDER = re.compile(r"%%|%s")


def numbered(sql: str) -> tuple[str, int]:
    """Django's SQL with its %s placeholders numbered $1, $2... for PREPARE, and how many there
    are. A literal % stays escaped (%%): the text is sent through the driver with parameters."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


class Prepared:
    """A statement sent as a server-side prepared statement on PostgreSQL: PREPAREd once per
    connection, in the round trip of its first EXECUTE, then only EXECUTEd.

    The desk's read joins seven tables and the fee account's upsert has three subqueries:
    PostgreSQL spent more time planning them (0.3 and 0.15 ms) than running them, on every
    swipe, and the connection lives on (CONN_MAX_AGE); the swipe's INSERTs were parsed and
    planned again each time too. Once PostgreSQL settles on a generic plan (after five runs,
    when it costs no more than the custom ones) a swipe pays no planning.
    `sql` takes %s parameters, bound in the client as any statement here. Elsewhere (SQLite,
    server-side binding: not `one_round_trip`) and behind a transaction-pooling pgbouncer
    (DISABLE_SERVER_SIDE_CURSORS, Django's flag for it: the next transaction may run on another
    server connection) it is sent as it is. A PREPARE is not undone by a rollback; if the round
    trip that carried it fails, whether it stayed is asked of pg_prepared_statements before the
    next use. A migration that changes the type of a column it returns fails its next run on
    each open connection (PostgreSQL will not change a prepared statement's result type); it
    is deallocated and prepared again on the run after. Statements dropped by someone else
    (DEALLOCATE ALL) are prepared again: at once outside a transaction, else from the next run.
    """

    _UNSURE, _STALE = "unsure", "stale"
    # Per driver connection: the names it holds prepared (True), may hold (_UNSURE), or holds with
    # a plan the schema has changed under (_STALE).
    _held: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()

    def __init__(self, sql: str):
        self.sql = sql
        self.name = "core_rows_" + hashlib.sha1(sql.encode()).hexdigest()[:24]
        server, count = numbered(sql)
        arguments = f"({', '.join(['%s'] * count)})" if count else ""
        self.execute_sql = f"EXECUTE {self.name}{arguments}"
        self.prepare_sql = f"PREPARE {self.name} AS {server}; {self.execute_sql}"

    def execute(self, cursor: Any, params: Sequence[Any], *, before: str = "", using: str = "default") -> None:
        """Run it on `cursor` (a cursor of connection `using`); fetch from the cursor as usual.
        `before`: a statement without parameters sent first, in the same round trip."""
        execute_together(cursor, [(self, params)], before=before, using=using)


def prepares(using: str = "default") -> bool:
    """Whether `Prepared` statements are prepared on the server for connection `using`."""
    return one_round_trip(using) and not connections[using].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def execute_together(
    cursor: Any,
    statements: Sequence[tuple[Prepared, Sequence[Any]]],
    *,
    before: str = "",
    using: str = "default",
    retried: bool = False,
) -> None:
    """`statements` in one round trip (PostgreSQL with parameters bound in the client only: see
    `one_round_trip`), prepared where `prepares`; the cursor holds the last one's rows."""
    params = [p for _, values in statements for p in values]
    # Bound in the client: the literal % of `before` must be doubled.
    texts = [before.replace("%", "%%")] if before else []
    if not prepares(using):
        cursor.execute("; ".join(texts + [statement.sql for statement, _ in statements]), params)
        return
    held = Prepared._held.setdefault(connections[using].connection, {})
    unsure = [statement.name for statement, _ in statements if held.get(statement.name) == Prepared._UNSURE]
    if unsure:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name = ANY(%s)", [unsure])
        found = {name for (name,) in cursor.fetchall()}
        for name in unsure:
            held[name] = name in found
    fresh: list[str] = []
    for statement, _ in statements:
        state = held.get(statement.name)
        if state is True or statement.name in fresh:
            texts.append(statement.execute_sql)
            continue
        if state == Prepared._STALE:
            texts.append(f"DEALLOCATE {statement.name}")
        texts.append(statement.prepare_sql)
        fresh.append(statement.name)
    for name in fresh:
        held[name] = Prepared._UNSURE
    try:
        cursor.execute("; ".join(texts), params)
    except DatabaseError as exc:
        code = getattr(exc.__cause__, "pgcode", None)
        if code == "0A000":
            # "cached plan must not change result type": a migration changed a column the
            # statement returns. Prepared again on its next use (this one fails: its transaction
            # is aborted).
            for statement, _ in statements:
                if held.get(statement.name) is True:
                    held[statement.name] = Prepared._STALE
        elif code == "26000" and not retried:
            # Not there: something dropped the connection's prepared statements (DEALLOCATE ALL,
            # DISCARD ALL). Which are left is asked before the next use (prepared again, outside
            # a transaction at once).
            for name in held:
                held[name] = Prepared._UNSURE
            if not connections[using].in_atomic_block:
                execute_together(cursor, statements, before=before, using=using, retried=True)
                return
        raise
    for name in fresh:
        held[name] = True


_NO_DEFAULT = object()
# Per (database, model): each concrete field with its default already prepared for the database
# when that default is a constant (most are: "", 0, False, None), else _NO_DEFAULT.
_FIELDS: dict[tuple[str, type[Model]], list[tuple[Field[Any, Any], Any]]] = {}


def _fields(model: type[Model], using: str) -> list[tuple[Field[Any, Any], Any]]:
    key = (using, model)
    found = _FIELDS.get(key)
    if found is None:
        connection = connections[using]
        found = []
        for f in model._meta.concrete_fields:
            constant = not callable(f.default) and not getattr(f, "auto_now", False)
            constant = constant and not getattr(f, "auto_now_add", False) and not f.primary_key
            found.append((f, f.get_db_prep_save(f.get_default(), connection) if constant else _NO_DEFAULT))
        _FIELDS[key] = found
    return found


def _values(model: type[Model], values: dict[str, Any], using: str) -> tuple[tuple[str, ...], list[Any]]:
    """Every concrete field but an auto pk, with the given value or the field's default, prepared for the database."""
    connection = connections[using]
    names, params = [], []
    for f, default in _fields(model, using):
        if f.name in values:
            value = values[f.name]
            if isinstance(value, Model):
                value = value.pk
        elif f.attname in values:
            value = values[f.attname]
        elif f.primary_key:
            continue
        elif default is not _NO_DEFAULT:
            names.append(f.attname)
            params.append(default)
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            if not isinstance(f, DateTimeField):
                raise TypeError(f"{model.__name__}.{f.name}: give it a value")
            value = timezone.now()  # what the field's pre_save would set
        else:
            value = f.get_default()
        names.append(f.attname)
        params.append(f.get_db_prep_save(value, connection))
    return tuple(names), params


def insert_row(model: type[Model], values: dict[str, Any], *, before: str | None = None, using: str = "default") -> int:
    """One row of `model` (fields as `create` takes them, defaults for the rest); returns its pk.

    No save(), no signals, no full_clean: for rows whose rules are the caller's and the database's
    constraints (the swipe's capture). `before`: a statement without parameters sent first, in
    the same round trip on PostgreSQL (the swipe's `SET LOCAL lock_timeout`)."""
    names, params = _values(model, values, using)
    connection = connections[using]
    pk = quote(str(model._meta.pk.column), using)
    with connection.cursor() as cursor:
        if one_round_trip(using):
            insert_statement(model, names, returning=pk, using=using).execute(cursor, params, before=before or "")
            return int(cursor.fetchone()[0])
        if before:
            cursor.execute(before)
        if connection.features.can_return_columns_from_insert:
            cursor.execute(insert_sql(model, names, returning=pk, using=using), params)
            return int(cursor.fetchone()[0])
        cursor.execute(insert_sql(model, names, using=using), params)
        return int(cursor.lastrowid)


class RowBatch:
    """INSERTs that need nothing back, written together by `flush`, in the order added.

    On PostgreSQL (parameters bound in the client: `one_round_trip`) the statements go in one
    round trip; elsewhere one by one. A constraint that says no raises IntegrityError with `.model` set to
    the model whose row it refused (found by the constraint's name on PostgreSQL), so a caller
    can tell a resent nonce from a race on another row.
    """

    def __init__(self, using: str = "default"):
        self.using = using
        self.rows: list[tuple[type[Model], Prepared, list[Any]]] = []

    def add(self, model: type[Model], **values: Any) -> None:
        names, params = _values(model, values, self.using)
        self.rows.append((model, insert_statement(model, names, using=self.using), params))

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if one_round_trip(self.using):
                try:
                    execute_together(cursor, [(statement, params) for _, statement, params in rows], using=self.using)
                except IntegrityError as exc:
                    exc.model = _model_of(exc, (model for model, _, _ in rows))  # type: ignore[attr-defined]
                    raise
                return
            for model, statement, params in rows:
                try:
                    cursor.execute(statement.sql, params)
                except IntegrityError as exc:
                    exc.model = model  # type: ignore[attr-defined]
                    raise


def _model_of(exc: IntegrityError, models: Iterable[type[Model]]) -> type[Model] | None:
    """The model one of whose named constraints (or unique fields' indexes) refused a row."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if not name:
        return None
    for model in models:
        if any(getattr(c, "name", None) == name for c in model._meta.constraints):
            return model
        if name.startswith(model._meta.db_table):
            return model
    return None
