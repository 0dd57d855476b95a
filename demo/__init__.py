"""The demo data (`seed_demo`): it drives every app's services, so it is the top layer.

Import `demo.run` / `demo.seed` directly: this package is an installed app, loaded before the models."""
