"""manage.py error_pages: the balancer's own pages, written ahead of time in every language."""

import io

from django.core.management import call_command


def test_the_balancer_pages_are_written_in_each_language(tmp_path):
    call_command("error_pages", str(tmp_path), stdout=io.StringIO())
    portuguese = (tmp_path / "pt-br" / "502-checkout.html").read_text()
    english = (tmp_path / "en" / "502-checkout.html").read_text()
    assert "aperte “Fazer pedido” de novo" in portuguese and "não será cobrado duas vezes" in portuguese
    assert "press “Place order” again" in english and "will not be charged twice" in english
    general = (tmp_path / "pt-br" / "502.html").read_text()
    assert "Nada do seu carrinho foi perdido" in general and "Fazer pedido" not in general
    # No inline script or style: the pages live under the site's strict CSP too.
    for page in (portuguese, english, general):
        assert "<script" not in page and "style=" not in page and "<style" not in page
