"""The accessibility audit itself (tests/a11y.py): it must see a violation when there is one, on load, after
a script changes the page, and on a page shown with scripts off; and see none on a clean page."""

import pytest

from tests.a11y import Accessibility

pytestmark = pytest.mark.browser

SITE = "http://a11y.test/"
CLEAN = (
    '<!doctype html><html lang="pt-BR"><head><title>Limpa</title></head>'
    "<body><main><h1>Cardápio</h1><ul><li>Calabresa</li></ul></main></body></html>"
)
# The flash messages' old markup: role="status" on the list leaves its items outside any list.
ORPHANED = CLEAN.replace("<ul>", '<ul role="status">')


def serve(context, html: str) -> None:
    context.route(SITE + "**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))


@pytest.fixture
def audit(browser):
    audit = Accessibility()
    contexts = []

    def open_page(html: str, *, javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        audit.watch(context, javascript=javascript)
        serve(context, html)
        page = context.new_page()
        page.goto(SITE)
        return page

    audit.open = open_page
    yield audit
    for context in contexts:
        context.close()


def rules(audit) -> set[str]:
    return {violation["id"] for violation in audit.violations}


def test_a_clean_page_passes(audit):
    audit.open(CLEAN)
    audit.finish()
    assert audit.violations == [] and SITE in audit.audited


def test_a_violation_is_reported_on_load(audit):
    page = audit.open(ORPHANED)
    page.wait_for_function("() => window.__ocipizzaAxe !== undefined")
    audit.finish()
    assert "listitem" in rules(audit)
    assert "listitem" in audit.report() and SITE in audit.report()


def test_a_violation_a_script_adds_is_caught_by_check(audit):
    page = audit.open(CLEAN)
    audit.finish()
    assert audit.violations == []
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    audit.check(page)
    assert "image-alt" in rules(audit)


def test_a_page_without_scripts_is_audited_as_a_copy(audit):
    audit.open(ORPHANED, javascript=False)
    audit.finish()
    assert "listitem" in rules(audit)
    assert all(v["url"].endswith("(sem scripts)") for v in audit.violations)
