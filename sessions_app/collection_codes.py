"""The 学信网采集码 a student binds before the capture day, and how the desk matches it.

The code is a QR that CHSI encrypts; only the photo service can read it. The school keeps a
keyed hash (HMAC-SHA-256) of the scanned payload and nothing else: the desk matches the same
scan again by equality, the roster import stores the same hash, and no page, log or export holds
the payload. Images are decoded and dropped; none is stored.
"""

import hashlib
import hmac
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.audit import record_event
from core.errors import CodedError
from core.locking import lock_row

from .models import Campaign, CollectionCodeClash, Identification, Student
from .refusals import COLLECTION_CODES

# Phone photos of a screen and saved originals are a few MB; a QR needs far fewer pixels.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PAYLOAD_CHARS = 1024
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")


class CollectionCodeError(CodedError):
    """A 采集码 action refused: `code` for callers, its words (refusals.COLLECTION_CODES) for the person."""

    words = COLLECTION_CODES


def normalize_code(raw: str) -> str:
    """What the desk and the import compare: no whitespace (scanners add line ends, and the
    payload may wrap), NFKC so that a keyboard-wedge scanner typing through a full-width input
    method gives the same text. Not upper-cased: unlike an ID number, a QR payload is
    case-sensitive."""
    return "".join(unicodedata.normalize("NFKC", raw or "").split())


def hash_key() -> bytes:
    """The key the stored hashes are made with (the desk's offline digest carries it, see
    capture_day.digest: the payload is CHSI ciphertext, so the key lets no one guess codes)."""
    return hmac.new(settings.COLLECTION_CODE_KEY.encode(), b"sessions_app.collection_code", hashlib.sha256).digest()


def code_hash(raw: str) -> str | None:
    """The stored form of a scanned payload, or None when nothing is left after normalising."""
    payload = normalize_code(raw)
    if not payload:
        return None
    return hmac.new(hash_key(), payload.encode(), hashlib.sha256).hexdigest()


# --- decoding an uploaded image ------------------------------------------------------


def _unreadable() -> CollectionCodeError:
    return CollectionCodeError.of("not_decoded")


def decode_image(data: bytes) -> str:
    """The one QR payload in an uploaded image; refuses anything else with what to do."""
    from PIL import Image

    if not data:
        raise CollectionCodeError.of("empty")
    if len(data) > UPLOAD_MAX_BYTES:
        raise CollectionCodeError.of("too_large", mb=UPLOAD_MAX_BYTES // 1024 // 1024)
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        if image.width * image.height > MAX_PIXELS:
            raise CollectionCodeError.of("too_many_pixels")
        image.load()
        gray = image.convert("L")
    except CollectionCodeError:
        raise
    except Exception:  # any parser failure on untrusted bytes (bombs included) is "not an image"
        raise CollectionCodeError.of("not_an_image") from None
    return _read_qr(gray)


def _read_qr(image) -> str:
    import zxingcpp

    try:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception:  # the decoder's own failure on odd input is the student's "does not scan"
        raise _unreadable() from None
    texts = {normalize_code(result.text) for result in found if result.valid and result.text}
    texts.discard("")
    if len(texts) > 1:
        raise CollectionCodeError.of("several_codes")
    if not texts:
        raise _unreadable()
    payload = texts.pop()
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise CollectionCodeError.of("not_a_code")
    return payload


# --- binding ---------------------------------------------------------------------------


@dataclass
class BindResult:
    student: Student
    replaced: bool = False
    unchanged: bool = False


def bind_collection_code(*, student: Student, payload: str, actor, source: str = "upload") -> BindResult:
    """Bind (or replace) the student's own 采集码; only the student may, and only a code no one
    else in the campaign holds. A clash is recorded for staff before it is refused."""
    _check_may_bind(student=student, actor=actor)
    digest = code_hash(payload)
    if digest is None or len(normalize_code(payload)) > MAX_PAYLOAD_CHARS:
        raise _unreadable()
    try:
        with transaction.atomic():
            result, holder = _bind_locked(student=student, digest=digest, actor=actor, source=source)
    except IntegrityError:
        # Another student bound the same code between our look and our write.
        holder = Student.objects.filter(campaign_id=student.campaign_id, collection_code_hash=digest).first()
        result = None
    if holder is not None:
        _record_clash(student=student, holder=holder, actor=actor)
        raise CollectionCodeError.of("taken")
    if result is None:  # the other binding was undone again before we looked: nothing was written
        raise CollectionCodeError.of("conflict")
    return result


def _check_may_bind(*, student: Student, actor) -> None:
    if actor is None or not actor.is_authenticated or student.user_id != actor.pk:
        raise CollectionCodeError.of("not_own_record")
    campaign = Campaign.objects.only("identification_methods").get(pk=student.campaign_id)
    if not campaign.identifies_by(Identification.COLLECTION_CODE):
        raise CollectionCodeError.of("not_enabled")


def _bind_locked(*, student: Student, digest: str, actor, source: str) -> tuple[BindResult | None, Student | None]:
    locked = lock_row(Student.objects.select_related("campaign").filter(pk=student.pk), of=("self",))
    holder = (
        Student.objects.filter(campaign_id=locked.campaign_id, collection_code_hash=digest)
        .exclude(pk=locked.pk)
        .first()
    )
    if holder is not None:
        return None, holder
    if locked.collection_code_hash == digest:
        return BindResult(student=locked, unchanged=True), None
    replaced = locked.collection_code_hash is not None
    locked.collection_code_hash = digest
    locked.save(update_fields=["collection_code_hash", "updated_at"])
    record_event(
        actor=actor,
        action="collection_code.replace" if replaced else "collection_code.bind",
        campaign=locked.campaign,
        obj=locked,
        # Neither payload nor hash: the trail says who changed what, the row holds the value.
        data={"student_id": locked.pk, "source": source},
    )
    return BindResult(student=locked, replaced=replaced), None


def _record_clash(*, student: Student, holder: Student, actor) -> None:
    with transaction.atomic():
        clash = CollectionCodeClash.objects.create(campaign_id=student.campaign_id, student=student, holder=holder)
        record_event(
            actor=actor,
            action="collection_code.clash",
            campaign=student.campaign,
            obj=clash,
            data={"student_id": student.pk, "holder_id": holder.pk},
        )


def clear_collection_code(*, student: Student, actor, reason: str) -> Student:
    """Unbind a student's code so the rightful owner can bind it (a clash sorted out by staff).
    Academic staff, or the coordinator of the student's college; the reason is audited."""
    from .scope import visible_students

    reason = (reason or "").strip()[:200]
    if actor is None or not (actor.is_academic_staff or actor.is_coordinator):
        raise CollectionCodeError.of("not_allowed")
    if not visible_students(actor).filter(pk=student.pk).exists():
        raise CollectionCodeError.of("out_of_scope")
    if not reason:
        raise CollectionCodeError.of("reason_missing")
    with transaction.atomic():
        locked = lock_row(Student.objects.select_related("campaign").filter(pk=student.pk), of=("self",))
        if locked.collection_code_hash is None:
            raise CollectionCodeError.of("not_bound")
        locked.collection_code_hash = None
        locked.save(update_fields=["collection_code_hash", "updated_at"])
        record_event(
            actor=actor,
            action="collection_code.clear",
            campaign=locked.campaign,
            obj=locked,
            data={"student_id": locked.pk, "reason": reason},
        )
    return locked
