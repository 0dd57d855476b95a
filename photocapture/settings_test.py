"""Settings for the test suite: the app's own settings with a fast password hasher.

PBKDF2's deliberate slowness is a production property; in tests it only made the suite
several times slower (every factory user and every login hashes a password)."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
