"""Give the application's database role exactly the rights the portal needs (PostgreSQL).

Run as the owner role, after every `migrate` (new tables need their grants):

    python manage.py grant_app_role --role photocapture_app

The app role must own nothing and not be a superuser: an owner can drop a trigger or TRUNCATE a
table whatever its privileges say. It gets SELECT, INSERT, UPDATE, DELETE on every table and the
sequences it inserts with, except that append-only tables (every `AppendOnlyModel`: the ledger,
the audit trail, remittance confirmations, report steps, retake events) get SELECT and INSERT
only. Idempotent: it starts by revoking what it grants.
"""

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import AppendOnlyModel
from core.commands import BaseCommand


def append_only_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy and model._meta.managed
    )


def grant_statements(role: str, database: str) -> list[str]:
    role_q = connection.ops.quote_name(role)
    statements = [
        f"GRANT CONNECT ON DATABASE {connection.ops.quote_name(database)} TO {role_q}",
        f"GRANT USAGE ON SCHEMA public TO {role_q}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role_q}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role_q}",
    ]
    for table in append_only_tables():
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {connection.ops.quote_name(table)} FROM {role_q}")
    return statements


def check_role(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise CommandError(_("数据库角色 %(role)s 不存在，请先创建（见 README「数据库角色」）") % {"role": role})
        if row[0]:
            raise CommandError(_("数据库角色 %(role)s 是超级用户，不能作为应用角色") % {"role": role})
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rolname = %s AND n.nspname = 'public'",
            [role],
        )
        owned = cursor.fetchone()[0]
        if owned:
            raise CommandError(
                ngettext(
                    "数据库角色 %(role)s 拥有 %(n)s 个表或序列；应用角色不能拥有任何对象，请由属主角色迁移",
                    "数据库角色 %(role)s 拥有 %(n)s 个表或序列；应用角色不能拥有任何对象，请由属主角色迁移",
                    owned,
                )
                % {"role": role, "n": owned}
            )


class Command(BaseCommand):
    help = gettext_lazy("授予应用数据库角色所需权限（只追加的表只有 SELECT、INSERT）；以属主角色在每次 migrate 后运行")

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help=gettext_lazy("应用连接数据库所用的角色，如 photocapture_app"))

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError(_("只适用于 PostgreSQL"))
        check_role(role)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in grant_statements(role, connection.settings_dict["NAME"]):
                cursor.execute(statement)
        self.stdout.write(
            _("已授权 %(role)s；只追加的表：%(tables)s") % {"role": role, "tables": ", ".join(append_only_tables())}
        )
