import re

import pytest
from django import forms

from core.widgets import PlainSelect

CHOICES = [("", "全部"), ("a<b", "A&B"), ("2", "二班"), ("2", "重复的二班")]


class Django(forms.Form):
    pick = forms.ChoiceField(required=False, choices=CHOICES)
    must = forms.ChoiceField(choices=[("", "请选择"), ("x", "X")])


class Plain(forms.Form):
    pick = forms.ChoiceField(required=False, choices=CHOICES, widget=PlainSelect)
    must = forms.ChoiceField(choices=[("", "请选择"), ("x", "X")], widget=PlainSelect)


def parsed(html: str) -> tuple[str, set[str], list[tuple[str, bool, str]]]:
    """The select's name, its other attributes and its options (value, selected, text)."""
    opening = re.match(r"<select ([^>]*)>", html)
    assert opening is not None, html
    attrs = set(re.findall(r'(\S+?(?:="[^"]*")?)(?:\s|$)', opening.group(1)))
    options = [
        (value, bool(selected), label)
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)
    ]
    assert html.count("<option") == len(options), html
    return opening.group(1).split()[0], attrs, options


@pytest.mark.parametrize("data", [None, {"pick": "2", "must": "x"}, {"pick": "a<b"}, {"pick": "没有这个"}])
def test_plain_select_writes_what_djangos_select_writes(data):
    for name in ("pick", "must"):
        assert parsed(str(Plain(data)[name])) == parsed(str(Django(data)[name]))


def test_plain_select_escapes_and_selects_only_the_first_equal_option():
    html = str(Plain({"pick": "2"})["pick"])
    assert '<option value="a&lt;b">A&amp;B</option>' in html
    assert '<option value="2" selected>二班</option>' in html
    assert '<option value="2">重复的二班</option>' in html
    assert 'name="pick"' in html and 'id="id_pick"' in html


def test_plain_select_refuses_option_groups():
    field = forms.ChoiceField(choices=[("组", [("1", "一")])], widget=PlainSelect)
    with pytest.raises(TypeError):
        field.widget.render("grouped", None)
