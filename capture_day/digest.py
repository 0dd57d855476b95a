"""The per-slot roster digest an offline desk uses to say whether a card belongs on this slot.

It holds no ID number, student number, collection code or name in clear: each identifier of a
student assigned to the slot is a keyed hash (HMAC-SHA-256, truncated to 64 bits) under a key
derived from the server's secret for this slot only, mapped to the student's initial and class.
The desk receives that slot key to hash what a reader types; the server secret never leaves.
What it protects against: a digest copied off a desk or read in a log names nobody and is
useless for any other slot; anyone holding one slot's digest with its key could still test
guessed identifiers against it, as an operator at that desk could by swiping cards.
"""

import hashlib
import hmac

from django.utils.crypto import salted_hmac

from sessions_app.collection_codes import hash_key
from sessions_app.models import Identification, Slot, Student
from sessions_app.services import normalize_identifier

TAG_HEX_CHARS = 16


def slot_key(slot: Slot) -> str:
    return salted_hmac("capture_day.desk_digest", f"slot:{slot.pk}", algorithm="sha256").hexdigest()


def tag(key_hex: str, identifier: str) -> str:
    """What desk.js computes for a swipe: the same normalisation, the same keyed hash."""
    message = normalize_identifier(identifier).encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()[:TAG_HEX_CHARS]


def slot_digest(slot: Slot) -> dict:
    """One query: the slot's students' identifiers as tags, each with initial and class."""
    key = slot_key(slot)
    entries: dict[str, list[str]] = {}
    campaign = slot.group.campaign
    by_code = campaign.identifies_by(Identification.COLLECTION_CODE)
    rows = list(
        Student.objects.filter(assigned_slot=slot).values_list(
            "id_number", "student_no", "collection_code_hash", "name", "class_name"
        )
    )
    for id_number, student_no, code_hash, name, class_name in rows:
        hint = [name[:1], class_name]
        # A 采集码 is held only as its keyed hash, so its tag is over that hash: the desk first
        # hashes the scan with code_key, then tags it like any other identifier.
        for identifier in (id_number, student_no, code_hash if by_code else None):
            if identifier:
                entries[tag(key, identifier)] = hint
    digest = {"slot": slot.pk, "key": key, "size": len(rows), "entries": entries}
    if by_code:
        digest["code_key"] = hash_key().hex()
    return digest
