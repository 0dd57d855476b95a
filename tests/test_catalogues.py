import gettext
import shutil

from deploy import catalogues

ENGLISH = catalogues.LOCALE / "en" / "LC_MESSAGES" / "django.po"


def test_without_msgfmt_polib_writes_a_catalogue_gettext_reads(tmp_path, monkeypatch):
    """The README promises Python and git only: no GNU gettext on the machine still compiles."""
    monkeypatch.setattr(catalogues.shutil, "which", lambda name: None)
    po = tmp_path / "django.po"
    shutil.copy(ENGLISH, po)
    catalogues.compile_catalogue(po)
    with open(po.with_suffix(".mo"), "rb") as mo:
        english = gettext.GNUTranslations(mo)
    assert english.gettext("采集成功") == "Captured"


def test_stale_means_missing_or_older_than_its_po(tmp_path):
    po = tmp_path / "en" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.copy(ENGLISH, po)
    assert catalogues.stale_catalogues(tmp_path) == [po]
    catalogues.compile_catalogue(po)
    assert catalogues.stale_catalogues(tmp_path) == []
