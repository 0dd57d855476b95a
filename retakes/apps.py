from django.apps import AppConfig


class RetakesConfig(AppConfig):
    name = "retakes"
