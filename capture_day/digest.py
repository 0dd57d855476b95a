"""The per-slot roster digest an offline desk uses to say whether a card may belong on this slot.

The browser gets the hashing key (it must hash what a reader types; one key for all digests,
see `digest_key`) and, per student of the slot, a *short* keyed tag of the ID number and of
the 采集码's keyed hash, each mapped to the student's initial and class. Whoever holds a desk
therefore holds everything needed to test guesses, so the tag is kept short on purpose
(issue 25, item 5): 12 bits, 4,096 buckets. A tag says "one of the 1 in 4,096 numbers that
land here", never "this number":
- A whole area code (6 digits) over two years of birth dates is 730 x 1,000 = 730,000 valid ID
  numbers (the check character follows from the rest): about 178 of them share any one tag, so
  guessing an area code narrows no student below ~178 candidates. A known student is no easier:
  the desk shows no digit of their ID number (`results.CaptureResult.as_dict`), so the same
  enumeration is the best an operator can do (tests/capture_day/test_digest_attack.py runs it).
- Student numbers are not in the digest at all: their space is small and structured (year,
  college, class, a sequence), so no tag short enough to hide one could still tell anything.
  A typed student number is checked when the swipe reaches the server.
- A 采集码 is CHSI ciphertext that no one can enumerate; its tag is short all the same.
The price: a card not on the slot lands in an occupied bucket with probability about
students / 4,096 (a 300-student slot: 7%), so the desk says "maybe on the roster" for it, and a
card it says is *not* on the roster is surely not. Offline verdicts are provisional: every
queued swipe is decided by the server when it is sent.

The digest is served only on the days the desk is open (`services.desk_gate`), carries how
long it may be kept (`ttl`, seconds to the end of the desk's last day), and desk.js deletes it
after that, when the server refuses it, and at logout (Clear-Site-Data).
"""

import datetime
import hashlib
import hmac
from typing import Any

from django.utils import timezone
from django.utils.crypto import salted_hmac

from sessions_app.collection_codes import hash_key
from sessions_app.models import Identification, Slot, Student
from sessions_app.services import normalize_identifier

# 3 hex characters = 12 bits: see the module's docstring for why it must stay this short.
TAG_HEX_CHARS = 3


def digest_key() -> str:
    """One key for every digest, derived from the server's secret (which never leaves).

    Not one per slot: an operator who keeps the digests of two slots that both once listed a
    student (a student moved to another slot, or back in a later campaign) would hold two
    independent 12-bit tags of one number, 24 bits, enough to single it out. Under one key a
    number has one tag wherever it appears, so no pile of digests tells more than 12 bits of it.
    """
    return salted_hmac("capture_day.desk_digest", "tags", algorithm="sha256").hexdigest()


def tag(key_hex: str, identifier: str) -> str:
    """What desk.js computes for a swipe: the same normalisation, the same keyed hash, cut short."""
    message = normalize_identifier(identifier).encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()[:TAG_HEX_CHARS]


def last_desk_day(slot: Slot) -> datetime.date:
    """The last day `services.desk_open` opens this slot's desk: the group's last slot, plus the window."""
    last = Slot.objects.filter(group_id=slot.group_id).order_by("-date").values_list("date", flat=True).first()
    return (last or slot.date) + datetime.timedelta(days=slot.group.campaign.desk_window_days)


def seconds_left(slot: Slot, *, today: datetime.date) -> int:
    """How long a browser may keep the digest: until the end of the desk's last day (Shanghai),
    counted from now on the desk's clock (`today` with the time of day now)."""
    now = timezone.localtime()
    clock = datetime.datetime.combine(today, now.time(), now.tzinfo)
    end = datetime.datetime.combine(last_desk_day(slot) + datetime.timedelta(days=1), datetime.time(), now.tzinfo)
    return max(0, int((end - clock).total_seconds()))


def slot_digest(slot: Slot, *, ttl: int = 0) -> dict[str, Any]:
    """One query: the slot's students as short tags of ID number and 采集码, each with initial and class.

    A tag that several students share lists each of their hints once.
    """
    key = digest_key()
    campaign = slot.group.campaign
    by_id = campaign.identifies_by(Identification.ID_CARD)
    by_code = campaign.identifies_by(Identification.COLLECTION_CODE)
    ids: dict[str, list[list[str]]] = {}
    codes: dict[str, list[list[str]]] = {}
    fields = ("id_number", "collection_code_hash", "name", "class_name")
    rows = list(Student.objects.filter(assigned_slot=slot).values_list(*fields))
    for id_number, code_hash, name, class_name in rows:
        hint = [name[:1], class_name]
        # A 采集码 is held only as its keyed hash, so its tag is over that hash: the desk first
        # hashes the scan with code_key, then tags it like any other identifier.
        for bucket, identifier in ((ids, id_number if by_id else ""), (codes, code_hash if by_code else "")):
            if identifier:
                hints = bucket.setdefault(tag(key, identifier), [])
                if hint not in hints:
                    hints.append(hint)
    digest: dict[str, Any] = {
        "slot": slot.pk,
        "key": key,
        "tag_chars": TAG_HEX_CHARS,
        "size": len(rows),
        "by_id": by_id,
        # What desk.js cannot check offline: a typed student number is "unchecked", not "not on the roster".
        "by_student_no": campaign.identifies_by(Identification.STUDENT_NO),
        "ids": ids,
        "codes": codes,
        "ttl": ttl,
    }
    if by_code:
        digest["code_key"] = hash_key().hex()
    return digest
