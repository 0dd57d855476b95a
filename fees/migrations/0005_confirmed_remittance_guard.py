"""A confirmed remittance is append-only at the database, like the ledger (PostgreSQL only; SQLite
relies on the services, which never touch a confirmed remittance: cancel_remittance refuses it).

Once 教务处 confirmed what arrived, the remittance it confirmed (its amount, its counts, the
position printed on the slip) and the entries it covers are the other half of that record: the
app's database role could rewrite them (issue 25), so a trigger refuses any UPDATE or DELETE of
a confirmed remittance's row, and any change to its items. A remittance not yet confirmed stays
as it is: the college may withdraw it (cancelled_at, its items deleted).
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION fees_remittance_confirmed_frozen() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM fees_remittanceconfirmation WHERE remittance_id = OLD.id) THEN
            RAISE EXCEPTION 'fees_remittance % is confirmed and append-only: % refused', OLD.id, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER fees_remittance_confirmed_frozen
    BEFORE UPDATE OR DELETE ON fees_remittance
    FOR EACH ROW EXECUTE FUNCTION fees_remittance_confirmed_frozen();
    """,
    """
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
        IF EXISTS (SELECT 1 FROM fees_remittanceconfirmation WHERE remittance_id = ANY (touched)) THEN
            RAISE EXCEPTION 'fees_remittanceitem of a confirmed remittance is append-only: % refused', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER fees_remittanceitem_confirmed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON fees_remittanceitem
    FOR EACH ROW EXECUTE FUNCTION fees_remittanceitem_confirmed_frozen();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS fees_remittanceitem_confirmed_frozen ON fees_remittanceitem;",
    "DROP FUNCTION IF EXISTS fees_remittanceitem_confirmed_frozen();",
    "DROP TRIGGER IF EXISTS fees_remittance_confirmed_frozen ON fees_remittance;",
    "DROP FUNCTION IF EXISTS fees_remittance_confirmed_frozen();",
]


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
    dependencies = [("fees", "0004_service_count_guard")]

    operations = [migrations.RunPython(forward, backward)]
