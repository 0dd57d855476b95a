"""A queryset compiled to SQL once per process and run again with new values.

For a page served on every request whose one query is most of its cost: Django compiles a
queryset on each run (joins, FilteredRelations, subqueries: milliseconds of Python for a
query PostgreSQL answers in a quarter of one), and PostgreSQL plans it on each run (for the
student's home, 1.5 ms of planning for 0.25 ms of execution). Here the ORM builds and compiles
the query once, so its columns and joins still come from the models; each run only puts in the
values, and on PostgreSQL runs a statement prepared once per connection (core.rows.Prepared, as
the desk's statements: one registry of what each connection holds).

    profile = CompiledQuery("home_student", lambda user_id: Student.objects.filter(user_id=user_id),
                            user_id=models.IntegerField())
    student = profile.first(user_id=request.user.pk)

The builder receives a `Param` for each value: an expression compiled to one placeholder.
Only what does not change between runs may go into the builder (no `timezone.now()`, no
translated text): it runs once.
"""

import threading
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

from core.rows import Prepared


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


class _Compiled:
    def __init__(self, queryset: QuerySet[Any], alias: str) -> None:
        compiler: SQLCompiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        # Prepared on PostgreSQL once per connection, as the desk's statements (core.rows).
        self.statement = Prepared(self.sql)
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
        self.name = name  # for messages: the prepared statement is named after its text
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
                        raise ValueError(f"{self.name}: the query uses {sorted(given)}, not every parameter")
                    self._compiled[alias] = found
        return found

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        compiled = self.compiled(using)
        connection = connections[using]
        params = compiled.values(connection, values)
        with connection.cursor() as cursor:
            compiled.statement.execute(cursor, params, using=using)
            rows = cursor.fetchmany(1)
        found = compiled.objects(rows)
        return found[0] if found else None
