"""axe-core in every browser test: each page the tests visit is checked against WCAG 2.2 AA.

The engine (axe-core, bundled by axe-playwright-python, hash-pinned in requirements-test.in) is added to
every document of a context as an init script, which the browser runs through the DevTools protocol, so
the pages' strict Content Security Policy stays on. The script audits each HTML page once it has loaded
and reports back through a binding; ``finish()`` audits every page still open once more (what scripts
changed after the load), then the test fails on any violation.
"""

from __future__ import annotations

import contextlib
import json

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError

# The rule sets of WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Audits are chained: axe refuses to start while another run is going on in the same document.
_HOOK = """
;(() => {
  if (window.top !== window) return;
  const options = {runOnly: {type: 'tag', values: WCAG_TAGS}, resultTypes: ['violations']};
  const summary = (result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
  let chain = Promise.resolve();
  window.__ocipizzaAxe = () => {
    if (document.contentType !== 'text/html') return Promise.resolve([]);
    const run = chain.then(() => axe.run(document, options)).then(summary);
    chain = run.catch(() => undefined);
    return run;
  };
  window.addEventListener('load', () => {
    window.__ocipizzaAxe().then(
      (found) => window.__ocipizzaAxeReport(location.href, found),
      (error) => window.__ocipizzaAxeReport(location.href, [{id: 'axe-error', impact: 'error',
        help: String(error), nodes: []}]),
    );
  });
})();
""".replace("WCAG_TAGS", json.dumps(WCAG_TAGS))


# The same audit, run once in a page with no hook (the copies of pages seen with scripts off).
_RUN_ONCE = """
(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  })))
"""


class Accessibility:
    """The violations axe found in the contexts of one test."""

    def __init__(self):
        self.violations: list[dict] = []
        self.audited: list[str] = []
        self.contexts: list = []
        self.without_scripts: set = set()

    def watch(self, context, *, javascript: bool = True) -> None:
        """Audit every page ``context`` loads from now on; a context with scripts off cannot run axe, so
        its pages are audited as copies when the test ends (``check``)."""
        self.contexts.append(context)
        if not javascript:
            self.without_scripts.add(id(context))
            return
        context.expose_binding("__ocipizzaAxeReport", lambda source, url, found: self._record(url, found))
        context.add_init_script(script=AXE_SCRIPT + _HOOK)

    def _record(self, url: str, found: list[dict]) -> None:
        self.audited.append(url)
        for violation in found:
            entry = {"url": url, **violation}
            if entry not in self.violations:
                self.violations.append(entry)

    def check(self, page) -> None:
        """Audit ``page`` as it is now (after a script changed it, say)."""
        if id(page.context) in self.without_scripts:
            self._check_copy(page)
            return
        with contextlib.suppress(PlaywrightError):  # a page that is navigating away is audited on load
            found = page.evaluate("() => window.__ocipizzaAxe ? window.__ocipizzaAxe() : []")
            self._record(page.url, found)

    def _check_copy(self, page) -> None:
        """A page shown with scripts off, audited as a copy in a context of its own: the same HTML and
        styles, its own scripts blocked so the copy stays as the customer without scripts saw it."""
        html = page.content()
        browser = page.context.browser
        viewport = page.viewport_size
        context = browser.new_context(viewport=viewport) if viewport else browser.new_context()
        try:
            context.route("**/*.js", lambda route: route.abort())
            copy = context.new_page()
            copy.set_content(html.replace("<head>", f'<head><base href="{page.url}">', 1))
            copy.evaluate(AXE_SCRIPT)
            found = copy.evaluate(_RUN_ONCE, WCAG_TAGS)
            self._record(page.url + " (sem scripts)", found)
        finally:
            context.close()

    def finish(self) -> None:
        """Audit every page still open, the last state each test left it in."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed() and page.url.startswith("http"):
                    self.check(page)

    def report(self) -> str:
        lines = [
            f"axe (WCAG 2.2 AA) found {len(self.violations)} violation(s); fix the template or CSS "
            "(https://dequeuniversity.com/rules/axe/ explains each rule):"
        ]
        for v in self.violations:
            lines.append(f"  {v['url']}: {v['id']} ({v['impact']}) {v['help']} at {', '.join(v['nodes'])}")
        return "\n".join(lines)
