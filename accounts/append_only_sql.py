"""The database's own guard for append-only tables (PostgreSQL; SQLite relies on the models).

A BEFORE UPDATE OR DELETE trigger refuses the change even through raw SQL or the owner's
account; the application's database role additionally lacks the UPDATE, DELETE and TRUNCATE
privileges on these tables (`manage.py grant_app_role`). Each app's `0002_postgres_guards`
migration (accounts' `0003`) calls `guard()` for its own tables; each call (re)creates the shared
trigger function, so no app's guard depends on another's.
"""

FUNCTION = """
CREATE OR REPLACE FUNCTION append_only_row() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused; add a correcting row instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def guard(table: str):
    """(forward, backward) RunPython functions adding the trigger to `table` on PostgreSQL."""
    trigger = f"{table}_append_only"

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION append_only_row();",
            params=None,
        )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};", params=None)

    return forward, backward
