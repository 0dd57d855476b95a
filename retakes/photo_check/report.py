"""What the check found, as codes and figures. Words are built when a finding is shown (messages.py).

A stored finding is `{"code", "kind", "measured", "allowed", "obtained", "data"}`: `measured` and
`allowed` are figures (pixels, bytes, [r, g, b], [low, high]), `kind` says which way a rule was
broken ("high", "low", "gradient", ...), `obtained` whether the figure was measured in the pixels
or estimated from the face's proportions. An estimate is shown but never fails a photo on its own.
"""

from dataclasses import dataclass, field
from typing import Any

# The finding codes the command, the API and the UI share.
CODES = (
    "not_an_image",
    "format",
    "dimensions",
    "file_size",
    "background_color",
    "background_uneven",
    "no_face",
    "multiple_faces",
    "head_top",
    "eye_line",
    "face_width",
    "off_centre",
)

MEASURED = "measured"
ESTIMATED = "estimated"


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str = ""
    measured: Any = None
    allowed: Any = None
    obtained: str = MEASURED
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.obtained not in (MEASURED, ESTIMATED):
            raise ValueError(f"unknown way of obtaining a figure {self.obtained!r}")

    @property
    def estimated(self) -> bool:
        return self.obtained == ESTIMATED

    def as_dict(self) -> dict:
        """What is stored: codes and figures, no sentence."""
        return {
            "code": self.code,
            "kind": self.kind,
            "measured": self.measured,
            "allowed": self.allowed,
            "obtained": self.obtained,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, stored: dict) -> "Finding":
        return cls(
            code=stored["code"],
            kind=stored.get("kind", ""),
            measured=stored.get("measured"),
            allowed=stored.get("allowed"),
            obtained=stored.get("obtained", MEASURED),
            data=stored.get("data") or {},
        )

    # Words, in the reader's language, built from the code and figures each time they are asked for.
    @property
    def message(self) -> str:
        from .messages import message

        return message(self)

    @property
    def measured_label(self) -> str:
        from .messages import measured_label

        return measured_label(self)

    @property
    def allowed_label(self) -> str:
        from .messages import allowed_label

        return allowed_label(self)

    def shown(self) -> dict:
        """The finding as the self-check API and the command's JSON give it: figures and words."""
        return {
            **self.as_dict(),
            "message": self.message,
            "measured_label": self.measured_label,
            "allowed_label": self.allowed_label,
        }


@dataclass
class PhotoReport:
    findings: list[Finding] = field(default_factory=list)
    # False when the bytes could not be decoded as a JPEG or PNG: such a file is never stored.
    decoded: bool = False
    format: str = ""
    width: int = 0
    height: int = 0
    # Raw figures behind the findings (pixels, distances) and how each was obtained, for staff and tuning.
    measurements: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Passed: decoded, and nothing measured breaks a rule (estimates alone never fail a photo)."""
        return self.decoded and not any(not f.estimated for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def as_dict(self) -> dict:
        return {"ok": self.ok, "findings": [f.shown() for f in self.findings]}


def findings_from_stored(stored: list[dict] | None) -> list[Finding]:
    return [Finding.from_dict(item) for item in stored or [] if item.get("code") in CODES]
