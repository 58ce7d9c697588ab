"""Browser tests: Playwright driving Debian's Chromium (no browser is downloaded).

When Chromium is not installed they are reported as skipped, with the reason.
"""

import os
import shutil
from pathlib import Path

import pytest

# pytest-django's live server and Playwright's sync API share the main thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    elif not AXE.exists():
        reason = "axe-core not installed (run `npm ci`)"
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def site(transactional_db, live_server, register):
    """The small register of the browse tests, served by a live server."""
    return live_server.url


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations.map(
        v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which the site's CSP rightly refuses;
    # the CSP itself is tested in a context of its own.
    return {**browser_context_args, "bypass_csp": True}
