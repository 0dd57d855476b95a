"""Settings for the test suite: demo mode and the app's own settings, with a fast password hasher.

PBKDF2's deliberate slowness is a production property; in tests it only made the suite
several times slower (every factory user and every login hashes a password)."""

import os

# Before the settings load: outside demo mode they refuse to start without production values.
# In os.environ, so the worker and server processes that tests start inherit it.
os.environ.setdefault("DJANGO_DEMO", "true")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # An in-memory test database is one connection that the live server's threads share, and a
    # desk page polls while it swipes: two threads on one SQLite connection fail at random
    # ("table is locked"). A file, in RAM where the machine has /dev/shm, gives each thread its own
    # connection; the name is per process so two test runs on one machine do not meet.
    _ram = "/dev/shm" if os.path.isdir("/dev/shm") else None
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(_ram or tempfile.gettempdir(), f"photocapture-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20  # noqa: F405
