"""A queryset compiled to SQL once per process and run again with new values.

For a page served on every request whose one query is most of its cost: Django compiles a
queryset on each run (joins, FilteredRelations, subqueries: milliseconds of Python for a
query PostgreSQL answers in a quarter of one), and PostgreSQL plans it on each run (for the
student's home, 1.5 ms of planning for 0.25 ms of execution). Here the ORM builds and compiles
the query once, so its columns and joins still come from the models; each run only puts in the
values, and on PostgreSQL runs a statement prepared once per connection (PREPARE is not undone
by a rollback; it lives as long as the connection).

    profile = CompiledQuery("home_student", lambda user_id: Student.objects.filter(user_id=user_id),
                            user_id=models.IntegerField())
    student = profile.first(user_id=request.user.pk)

The builder receives a `Param` for each value: an expression compiled to one placeholder.
Only what does not change between runs may go into the builder (no `timezone.now()`, no
translated text): it runs once.
"""

import re
import threading
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


class Param(Expression):
    """A value given at each run: compiled as one placeholder whose parameter is this object,
    replaced by the value when the query runs."""

    def __init__(self, name: str, output_field: "Field[Any, Any]") -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return "%s", (self,)

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


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


class _Compiled:
    def __init__(self, queryset: QuerySet[Any], alias: str) -> None:
        compiler: SQLCompiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        self.params: list[Any] = list(params)
        self.compiler = compiler
        self.alias = alias
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        self.model: type[Model] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.model_slice = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_slice]]
        # The stubs name a later Django's signature.
        self.related_populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
        self.annotation_col_map = dict(compiler.annotation_col_map or {})
        # The columns' converters (JSON, dates on SQLite...), found once: for a row of a hundred
        # columns, finding them cost more than the rest of turning it into objects.
        self.converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        if getattr(queryset, "_known_related_objects", None):  # would need ModelIterable's extra step
            raise ValueError("CompiledQuery does not support known related objects")

    def values(self, connection: BaseDatabaseWrapper, given: dict[str, Any]) -> list[Any]:
        values = []
        for param in self.params:
            if isinstance(param, Param):
                field = param.output_field
                values.append(field.get_db_prep_value(given[param.name], connection, prepared=False))
            else:
                values.append(param)
        return values

    def objects(self, rows: list[Any]) -> list[Model]:
        found = []
        converted = self.compiler.apply_converters(rows, self.converters) if self.converters else rows
        for row in converted:
            obj = self.model.from_db(self.alias, self.init_list, row[self.model_slice])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


class CompiledQuery:
    """A queryset built and compiled on first use (per database), run with new values each time.

    `first(**values)` gives the first row's model instance (select_related rows and annotations
    set as a queryset would) or None; the builder's queryset should have its own LIMIT 1.
    """

    def __init__(self, name: str, build: Callable[..., QuerySet[Any]], **params: "Field[Any, Any]") -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a statement name: {name!r}")
        self.statement = f"compiled_{name}"
        self.build = build
        self.param_fields = params
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def compiled(self, alias: str = DEFAULT_DB_ALIAS) -> _Compiled:
        found = self._compiled.get(alias)
        if found is None:
            with self._lock:
                found = self._compiled.get(alias)
                if found is None:
                    queryset = self.build(**{name: Param(name, field) for name, field in self.param_fields.items()})
                    found = _Compiled(queryset, alias)
                    given = {param.name for param in found.params if isinstance(param, Param)}
                    if given != set(self.param_fields):
                        raise ValueError(f"{self.statement}: the query uses {sorted(given)}, not every parameter")
                    self._compiled[alias] = found
        return found

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        compiled = self.compiled(using)
        connection = connections[using]
        params = compiled.values(connection, values)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                self._execute_prepared(connection, cursor, compiled, params)
            else:
                cursor.execute(compiled.sql, params)
            rows = cursor.fetchmany(1)
        found = compiled.objects(rows)
        return found[0] if found else None

    def _execute_prepared(
        self, connection: BaseDatabaseWrapper, cursor: Any, compiled: _Compiled, params: list[Any]
    ) -> None:
        """EXECUTE the statement, PREPAREd first (in the same round trip) on a connection that
        does not have it yet. Which statements a connection has is kept on Django's connection
        wrapper, against the driver's connection object: a reconnect starts with none. After a
        failed run nobody knows which statements the server kept, so the next run drops them all
        (DEALLOCATE ALL) and prepares its own again, as every other statement will."""
        raw = connection.connection
        state: dict[str, Any] = connection.__dict__.setdefault("_compiled_statements", {"raw": None})
        if state["raw"] is not raw:
            state.clear()
            state["raw"] = raw
        run = f"EXECUTE {self.statement}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {self.statement}"
        if self.statement not in state:
            text, _count = numbered(compiled.sql)
            run = f"PREPARE {self.statement} AS {text}; {run}"
            if state.get("unknown"):
                run = f"DEALLOCATE ALL; {run}"
        try:
            cursor.execute(run, params)
        except Exception:
            state.clear()
            state.update(raw=raw, unknown=True)
            raise
        state.pop("unknown", None)
        state[self.statement] = True
