"""PostgreSQL-only guards for the fees app (SQLite, the demo database, relies on the models and the
services). Every guard of the app, in its final form: the squash folded the guard migrations that
added them one feature at a time into this one.

1. The ledger: a trigger refuses UPDATE and DELETE of an entry, even through raw SQL; composite
   foreign keys tie a reversal to an entry of the same account, kind and amount, and a follow-up
   charge to the reversal of a charge of the same account (see fees/models.py).
2. Append-only like the audit trail (accounts.append_only_sql): remittance confirmations, their
   reversals, the photo service's counts, group payments and their allocation.
3. A confirmed remittance is frozen: once 教务处 confirmed what arrived, the remittance it confirmed
   (its amount, its counts, the position printed on the slip) and the entries it covers are the
   other half of that record; the app's database role could rewrite them (issue 25), so a trigger
   refuses any UPDATE or DELETE of a confirmed remittance's row and any change to its items. A
   confirmation counts while no reversal names it: a remittance whose confirmation was taken back
   is no longer frozen, so the reversal can withdraw it (its entries become remittable again). A
   remittance not yet confirmed stays as it is: the college may withdraw it (cancelled_at, its
   items deleted).
"""

from django.db import migrations

from accounts.append_only_sql import guard

LEDGER_FORWARD = [
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

LEDGER_BACKWARD = [
    "ALTER TABLE fees_entry DROP CONSTRAINT IF EXISTS fee_entry_follows_charge_reversal;",
    "ALTER TABLE fees_entry DROP CONSTRAINT IF EXISTS fee_entry_reversal_matches_target;",
    "DROP TRIGGER IF EXISTS fees_entry_append_only ON fees_entry;",
    "DROP FUNCTION IF EXISTS fees_entry_append_only();",
]

APPEND_ONLY = [
    guard(table)
    for table in (
        "fees_remittanceconfirmation",
        "fees_confirmationreversal",
        "fees_servicecount",
        "fees_grouppayment",
        "fees_grouppaymentitem",
    )
]

# A confirmation counts while no reversal names it.
LIVE = (
    "SELECT 1 FROM fees_remittanceconfirmation c WHERE c.remittance_id {test} "
    "AND NOT EXISTS (SELECT 1 FROM fees_confirmationreversal r WHERE r.confirmation_id = c.id)"
)

FROZEN_FUNCTIONS = """
CREATE OR REPLACE FUNCTION fees_remittance_confirmed_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS ({remittance}) THEN
        RAISE EXCEPTION 'fees_remittance % is confirmed and append-only: % refused', OLD.id, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION fees_remittanceitem_confirmed_frozen() RETURNS trigger AS $$
DECLARE
    touched bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        touched := ARRAY[NEW.remittance_id];
    ELSIF TG_OP = 'DELETE' THEN
        touched := ARRAY[OLD.remittance_id];
    ELSE
        touched := ARRAY[OLD.remittance_id, NEW.remittance_id];
    END IF;
    IF EXISTS ({items}) THEN
        RAISE EXCEPTION 'fees_remittanceitem of a confirmed remittance is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""".format(remittance=LIVE.format(test="= OLD.id"), items=LIVE.format(test="= ANY (touched)"))

FROZEN_FORWARD = [
    FROZEN_FUNCTIONS,
    """
    CREATE TRIGGER fees_remittance_confirmed_frozen
    BEFORE UPDATE OR DELETE ON fees_remittance
    FOR EACH ROW EXECUTE FUNCTION fees_remittance_confirmed_frozen();
    """,
    """
    CREATE TRIGGER fees_remittanceitem_confirmed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON fees_remittanceitem
    FOR EACH ROW EXECUTE FUNCTION fees_remittanceitem_confirmed_frozen();
    """,
]

FROZEN_BACKWARD = [
    "DROP TRIGGER IF EXISTS fees_remittanceitem_confirmed_frozen ON fees_remittanceitem;",
    "DROP FUNCTION IF EXISTS fees_remittanceitem_confirmed_frozen();",
    "DROP TRIGGER IF EXISTS fees_remittance_confirmed_frozen ON fees_remittance;",
    "DROP FUNCTION IF EXISTS fees_remittance_confirmed_frozen();",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in LEDGER_FORWARD:
        schema_editor.execute(statement, params=None)
    for table_forward, _ in APPEND_ONLY:
        table_forward(apps, schema_editor)
    for statement in FROZEN_FORWARD:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FROZEN_BACKWARD:
        schema_editor.execute(statement, params=None)
    for _, table_backward in reversed(APPEND_ONLY):
        table_backward(apps, schema_editor)
    for statement in LEDGER_BACKWARD:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("fees", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
