from dataclasses import asdict, dataclass, field

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


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    measured: str = ""
    allowed: str = ""

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PhotoReport:
    findings: list[Finding] = field(default_factory=list)
    # False when the bytes could not be decoded as a JPEG or PNG: such a file is never stored.
    decoded: bool = False
    format: str = ""
    width: int = 0
    height: int = 0
    # Raw figures behind the findings (pixels, distances), for staff and for tuning.
    measurements: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.decoded and not self.findings

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def as_dict(self) -> dict:
        return {"ok": self.ok, "findings": [f.as_dict() for f in self.findings]}
