"""core.templatetags.links: every template's {% url %}, with no-argument names reversed once."""

from django.template import engines
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix

from core.templatetags import links


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_engines_url_tag_gives_djangos_addresses_with_or_without_arguments():
    assert render("{% url 'fees:index' %}") == reverse("fees:index")
    assert render("{% url 'retakes:detail' 7 %}") == reverse("retakes:detail", args=[7])
    assert render("{% url name %}", name="fees:index") == reverse("fees:index")
    assert render("{% url 'fees:index' as where %}[{{ where }}]") == f"[{reverse('fees:index')}]"


def test_an_address_follows_the_script_prefix_and_the_urlconf():
    links._address.cache_clear()
    plain = render("{% url 'fees:index' %}")
    set_script_prefix("/portal/")
    try:
        assert render("{% url 'fees:index' %}") == "/portal" + plain
    finally:
        clear_script_prefix()
    assert render("{% url 'fees:index' %}") == plain
    with override_settings(ROOT_URLCONF="tests.core.urls_elsewhere"):
        assert render("{% url 'fees:index' %}") == "/elsewhere/fees/"
    assert render("{% url 'fees:index' %}") == plain
