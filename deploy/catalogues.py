"""Compile locale/*/LC_MESSAGES/*.po into .mo files: the one place that knows how.

GNU msgfmt is used where it is installed (it also checks placeholders with --check); on a
machine with only Python and git (the README's promise) polib, a pinned requirement, writes
the same .mo files, so `dev.py demo` and `dev.py test` never need a system package."""

import shutil
import subprocess
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def stale_catalogues(locale: Path = LOCALE) -> list[Path]:
    return [
        po
        for po in sorted(locale.glob("*/LC_MESSAGES/*.po"))
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]


def compile_catalogue(po: Path) -> None:
    mo = po.with_suffix(".mo")
    if shutil.which("msgfmt"):
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
        return
    import polib

    polib.pofile(str(po)).save_as_mofile(str(mo))


def compile_all(*, only_stale: bool = False) -> int:
    catalogues = stale_catalogues() if only_stale else sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
    for po in catalogues:
        compile_catalogue(po)
    return len(catalogues)


if __name__ == "__main__":
    compile_all(only_stale="--stale" in sys.argv)
