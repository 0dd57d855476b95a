"""gunicorn's settings, read by `deploy/run web` (compose, the Dockerfile and the rehearsal alike)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Longer than the slowest request (a 20,000-row export or roster import), shorter than the
# proxy's own timeout, so the worker is recycled before the proxy gives up on it.
timeout = 60
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
