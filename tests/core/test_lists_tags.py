import pytest
from django.template import Context, Template

LOAD = "{% load lists %}"


def render(source: str, **context) -> str:
    return Template(LOAD + source).render(Context(context))


class Counted:
    """A value that counts how often a template reads it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reads = 0

    def __str__(self) -> str:
        self.reads += 1
        return self.name


def test_memo_renders_its_body_once_per_key_and_repeats_it():
    a, b = Counted("甲"), Counted("乙")
    rows = [{"key": 1, "cell": a}, {"key": 2, "cell": b}, {"key": 1, "cell": a}, {"key": 1, "cell": a}]
    html = render("{% for r in rows %}[{% memo r.key %}<b>{{ r.cell }}</b>{% endmemo %}]{% endfor %}", rows=rows)
    assert html == "[<b>甲</b>][<b>乙</b>][<b>甲</b>][<b>甲</b>]"
    assert (a.reads, b.reads) == (1, 1)


def test_memo_forgets_between_renderings():
    template = Template(LOAD + "{% memo 1 %}{{ value }}{% endmemo %}")
    assert template.render(Context({"value": "一"})) == "一"
    assert template.render(Context({"value": "二"})) == "二"


def test_memo_keeps_escaping():
    assert render("{% memo 1 %}{{ v }}{% endmemo %}", v="<i>") == "&lt;i&gt;"


def test_with_id_puts_the_rows_id_in_a_url_reversed_once():
    source = "{% url 'sessions_app:student_detail' 0 as row_url %}{{ row_url|with_id:pk }}"
    assert render(source, pk=123) == "/capture/students/123/"
    assert render("{{ u|with_id:7 }}", u="/a/0/b/0/") == "/a/0/b/7/"


def test_with_id_refuses_a_url_without_a_zero_segment():
    with pytest.raises(ValueError):
        render("{{ u|with_id:7 }}", u="/capture/students/")
