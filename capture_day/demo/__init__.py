"""The demo data (`seed_demo`): it drives every app's services, so it lives in the top app layer."""

from .run import seed_demo
from .seed import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "seed_demo"]
