"""A reversal is append-only like the confirmation it takes back; and a remittance whose
confirmation was taken back is no longer frozen by 0005's trigger, so the reversal can withdraw it
(its entries become remittable again). PostgreSQL only, like every guard."""

from django.db import migrations

from accounts.append_only_sql import guard

reversal_forward, reversal_backward = guard("fees_confirmationreversal")

# A confirmation counts while no reversal names it.
LIVE = (
    "SELECT 1 FROM fees_remittanceconfirmation c WHERE c.remittance_id {test} "
    "AND NOT EXISTS (SELECT 1 FROM fees_confirmationreversal r WHERE r.confirmation_id = c.id)"
)

FUNCTIONS = """
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
"""


def _functions(live_only: bool) -> str:
    if live_only:
        remittance, items = LIVE.format(test="= OLD.id"), LIVE.format(test="= ANY (touched)")
    else:
        remittance = "SELECT 1 FROM fees_remittanceconfirmation WHERE remittance_id = OLD.id"
        items = "SELECT 1 FROM fees_remittanceconfirmation WHERE remittance_id = ANY (touched)"
    return FUNCTIONS.format(remittance=remittance, items=items)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    reversal_forward(apps, schema_editor)
    schema_editor.execute(_functions(live_only=True), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_functions(live_only=False), params=None)
    reversal_backward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("fees", "0008_confirmation_reversal")]

    operations = [migrations.RunPython(forward, backward)]
