"""The import contracts (.importlinter) hold, catch an upward import, and gate `dev.py test`."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter"]["root_packages"].split()


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    """The packages and the contract file, so a test can add a bad import without touching the tree."""
    copy = tmp_path_factory.mktemp("layers")
    ignore = shutil.ignore_patterns("__pycache__", "migrations", "*.pyc")
    for name in root_packages():
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    return copy


def test_the_project_keeps_its_contracts():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("sessions_app/_probe.py", "import fees.models\n", "sessions_app is not allowed to import fees"),
        ("fees/_probe.py", "import verification.models\n", "fees is not allowed to import verification"),
        ("accounts/_probe.py", "import sessions_app.models\n", "accounts is not allowed to import sessions_app"),
        ("verification/_probe.py", "import capture_day\n", "verification is not allowed to import capture_day"),
        # A cycle inside one app: fees.selectors -> fees._probe -> fees.selectors.
        ("fees/_probe.py", "from fees import selectors\n", "No cycles are allowed in fees"),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(project_copy, module, source, broken):
    probe = project_copy / module
    probe.write_text(source)
    extra = None
    if "cycles" in broken:
        extra = project_copy / "fees" / "selectors.py"
        original = extra.read_text()
        extra.write_text(original + "\nfrom fees import _probe  # noqa\n")
    try:
        result = lint(project_copy)
    finally:
        probe.unlink()
        if extra is not None:
            extra.write_text(original)
    assert result.returncode == 1
    assert broken in result.stdout


def test_dev_py_test_runs_the_contracts_before_pytest(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    calls = []
    monkeypatch.setattr(dev, "ensure_environment", lambda requirements: calls.append(("install", requirements)))
    monkeypatch.setattr(
        dev, "run", lambda *args, env=None: calls.append(("run", args[2] if len(args) > 2 else Path(args[0]).name))
    )
    monkeypatch.setattr(dev.os, "execv", lambda path, argv: calls.append(("exec", argv[1:3])))
    dev.test(["-q"])
    assert calls == [
        ("install", "requirements-dev.txt"),
        ("run", "deploy.catalogues"),  # the English catalogue, compiled before any test reads it
        ("run", "lint-imports"),
        ("exec", ["-m", "pytest"]),
    ]

    def broken_contract(*args, env=None):
        calls.append(("run", Path(args[0]).name))
        raise SystemExit(1)  # what dev.run does when lint-imports exits non-zero

    calls.clear()
    monkeypatch.setattr(dev, "run", broken_contract)
    with pytest.raises(SystemExit):
        dev.test([])
    assert ("exec", ["-m", "pytest"]) not in calls
