"""PostgreSQL-only guards for the ledger (SQLite, the demo database, relies on the models).

1. A trigger refuses UPDATE and DELETE of a ledger entry, even through raw SQL.
2. Composite foreign keys tie a reversal to an entry of the same account, kind and amount,
   and a follow-up charge to the reversal of a charge of the same account (see fees/models.py).
3. Remittance confirmations are append-only like the audit trail (accounts.append_only_sql).
"""

from django.db import migrations

from accounts.append_only_sql import guard

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION fees_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'fees_entry is append-only: % refused; post a reversal instead', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER fees_entry_append_only
    BEFORE UPDATE OR DELETE ON fees_entry
    FOR EACH ROW EXECUTE FUNCTION fees_entry_append_only();
    """,
    """
    ALTER TABLE fees_entry ADD CONSTRAINT fee_entry_reversal_matches_target
    FOREIGN KEY (reverses_id, account_id, reversed_kind, amount)
    REFERENCES fees_entry (id, account_id, kind, amount);
    """,
    """
    ALTER TABLE fees_entry ADD CONSTRAINT fee_entry_follows_charge_reversal
    FOREIGN KEY (follows_id, account_id, kind)
    REFERENCES fees_entry (id, account_id, reversed_kind);
    """,
]

BACKWARD = [
    "ALTER TABLE fees_entry DROP CONSTRAINT IF EXISTS fee_entry_follows_charge_reversal;",
    "ALTER TABLE fees_entry DROP CONSTRAINT IF EXISTS fee_entry_reversal_matches_target;",
    "DROP TRIGGER IF EXISTS fees_entry_append_only ON fees_entry;",
    "DROP FUNCTION IF EXISTS fees_entry_append_only();",
]

confirmation_forward, confirmation_backward = guard("fees_remittanceconfirmation")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("fees", "0001_initial")]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(confirmation_forward, confirmation_backward),
    ]
