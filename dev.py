#!/usr/bin/env python3
"""The two commands of README.md; needs only Python 3.11+ and git.

python3 dev.py demo [ADDRESS]  install, migrate, load the demo (2021 and this year), start ADDRESS
                               (default 127.0.0.1:8000)
python3 dev.py demo --fake-cas the same, with campus single sign-on against a fake CAS server
                               (tests/fake_cas.py) on 127.0.0.1:8765
python3 dev.py test            install, check the import layers (lint-imports), then run the whole
                               test suite (extra args go to pytest); .ci/run calls this too
python3 dev.py install         only install (CI, before its other checks)
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# dev.py runs before Django and its catalogues exist: what it prints carries both languages.
INSTALLING = "安装依赖（{file}）… (installing {file})"
STARTED = "门户已启动 (portal started)：http://{at}/   （管理后台 admin：http://{at}/admin/，Ctrl+C 停止 stops）"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str, env: dict | None = None) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment(requirements: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself may be started by an older python3
        sys.exit("需要 Python 3.11 或更新版本 (Python 3.11+ is required)")
    if not PYTHON.exists():
        print("创建虚拟环境 .venv … (creating .venv)", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = b"".join((ROOT / name).read_bytes() for name in ("requirements.txt", "requirements-dev.txt"))
    stamp = VENV / f".installed-{requirements}"
    digest = hashlib.sha256(wanted).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print(INSTALLING.format(file=requirements), flush=True)
        run(str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements)
        stamp.write_text(digest)


FAKE_CAS_PORT = 8765
FAKE_CAS = """
模拟统一身份认证 (fake CAS server)：{url}
  登录页的「统一身份认证登录」→ 输入学工号，密码任意 (any password)：
    jwc, coord_cs, counselor_cs, desk_jst1, 以及上面列出的学生学号 (the students' numbers above)
    T0000001：不在名单中，会被拒绝 (unknown: refused, with whom to contact)
"""


def start_fake_cas() -> str:
    """The fake identity service in its own process (runserver replaces this one); it accepts any
    user name, and the portal matches the name as it would a campus 学工号."""
    subprocess.Popen([str(PYTHON), "-m", "tests.fake_cas", "--port", str(FAKE_CAS_PORT), "--open"], cwd=ROOT)
    url = f"http://127.0.0.1:{FAKE_CAS_PORT}/"
    os.environ.update(CAS_SERVER_URL=url, CAS_VERSION="3", CAS_USERNAME_ATTRIBUTE="employeeNumber")
    return url


def demo(args: list[str]) -> None:
    ensure_environment("requirements.txt")
    # Demo mode: SQLite, eager Celery, console e-mail; production settings would refuse to start.
    os.environ["DJANGO_DEMO"] = "true"
    fake_cas = "--fake-cas" in args
    args = [arg for arg in args if arg != "--fake-cas"]
    manage = [str(PYTHON), "manage.py"]
    run(*manage, "migrate", "--verbosity", "0")
    compile_messages()
    run(*manage, "collectstatic", "--noinput", "--verbosity", "0")
    run(*manage, "seed_demo")
    address = args[0] if args else "127.0.0.1:8000"
    if fake_cas:
        print(FAKE_CAS.format(url=start_fake_cas()), flush=True)
    print("\n" + STARTED.format(at=address) + "\n", flush=True)
    os.execv(str(PYTHON), [*manage, "runserver", address, "--noreload"])


def compile_messages() -> None:
    """locale/*.po -> .mo (the English pages): msgfmt where installed, else pure-Python polib."""
    print("编译翻译 (compiling translations) …", flush=True)
    run(str(PYTHON), "-m", "deploy.catalogues")


def lint_imports() -> None:
    """The layers and no-cycle contracts of .importlinter; a broken one fails the test run."""
    print("检查模块依赖 (checking import layers: lint-imports) …", flush=True)
    run(str(PYTHON.parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")))


def parallel(args: list[str]) -> list[str]:
    """On the embedded SQLite default, one test process per core (pytest-xdist): each gets its own
    database file, and the suite runs in about 60 % of the time. Against the real PostgreSQL and
    Redis (CI) the suite stays in one process: the worker tests share one broker queue."""
    if os.environ.get("DATABASE_URL") or any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in args):
        return args
    return ["-n", "auto", *args]


def test(args: list[str]) -> None:
    ensure_environment("requirements-dev.txt")
    compile_messages()
    lint_imports()
    os.execv(str(PYTHON), [str(PYTHON), "-m", "pytest", *parallel(args)])


def install(args: list[str]) -> None:
    ensure_environment("requirements-dev.txt")


if __name__ == "__main__":
    commands = {"demo": demo, "test": test, "install": install}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
