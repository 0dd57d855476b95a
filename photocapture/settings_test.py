"""Settings for the test suite: demo mode and the app's own settings, with a fast password hasher.

PBKDF2's deliberate slowness is a production property; in tests it only made the suite
several times slower (every factory user and every login hashes a password)."""

import os

# Before the settings load: outside demo mode they refuse to start without production values.
# In os.environ, so the worker and server processes that tests start inherit it.
os.environ.setdefault("DJANGO_DEMO", "true")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
