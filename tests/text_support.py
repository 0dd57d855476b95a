"""Helpers for tests that read what the program stored as text."""


def json_strings(value):
    """Every string inside a JSON value (dicts and lists walked), to look for words among codes."""
    if isinstance(value, dict):
        for v in value.values():
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)
    elif isinstance(value, str):
        yield value
