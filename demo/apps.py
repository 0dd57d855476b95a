from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`seed_demo`): drives every app's services, so it sits above them all and no app
    imports it. No models, so no verbose_name to show (and none to translate)."""

    name = "demo"
