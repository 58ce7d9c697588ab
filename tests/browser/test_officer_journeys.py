"""What an officer does in a real browser, and what axe-core finds on every page type."""

import csv
import io

import pytest

from tests.browser.conftest import axe_violations
from tests.factories import make_arrangement


def count(page, selector="#total-arrangements"):
    return int(page.locator(selector).inner_text().replace(",", ""))


def test_filter_by_two_facets(page, site):
    page.goto(f"{site}/arrangements/")
    assert count(page) == 4
    page.get_by_label("Operational").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert count(page) == 1
    assert "status=operational" in page.url
    page.goto(f"{site}/arrangements/")
    page.get_by_label("Procurement under way").check()
    page.get_by_label("Operational").check()
    page.locator("summary", has_text="Corporate and back office").click()
    page.get_by_label("Legal services").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert count(page) == 1
    assert page.get_by_role("link", name="Shared legal team").is_visible()
    # Removing one filter by its tag widens the list again.
    page.locator(".moj-filter__tag", has_text="Legal services").click()
    assert count(page) == 2


def test_sort_a_column_and_page_forward(page, site, register):
    for number in range(30):
        make_arrangement(f"Extra {number:02}", members=[register.alpha])
    page.goto(f"{site}/arrangements/")
    assert "Showing 1 to 25 of 34 arrangements" in page.locator("#result-count").inner_text()
    page.get_by_role("link", name="Partners").click()
    page.get_by_role("link", name="Partners").click()  # descending
    assert "sort=-partner_count" in page.url
    first = page.locator("tbody tr").first.locator("td").first.inner_text()
    assert first in {"Costs draftsman", "Fostering framework"}  # three partners each
    page.get_by_role("link", name="Next page").click()
    assert "Showing 26 to 34 of 34 arrangements" in page.locator("#result-count").inner_text()
    assert "sort=-partner_count" in page.url  # the sort is kept across pages


def test_download_the_csv_export(page, site, tmp_path):
    page.goto(f"{site}/arrangements/?authority=ALP")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert sorted(row["Title"] for row in rows) == [
        "Costs draftsman",
        "Fostering framework",
        "Shared legal team",
    ]


def test_open_a_detail_page(page, site):
    page.goto(f"{site}/arrangements/")
    page.get_by_role("link", name="Fostering framework").click()
    assert page.locator("h1").inner_text() == "Fostering framework"
    assert page.get_by_text("over £700,000 (2.5%)").is_visible()


def test_the_list_does_not_scroll_sideways_on_a_phone(page, site):
    """At 375 px the table scrolls inside its wrapper; the page itself must not. (The
    sortable headings' visually hidden text is positioned absolutely, and escaped a
    wrapper that was not their containing block, making the page ~950 px wide.)"""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{site}/arrangements/")
    # The arrangements' table, and the map's table of partners, each in a wrapper.
    tables = page.get_by_role("region", name="Arrangements").locator("table")
    assert tables.count() == 1
    assert page.locator(".app-table-wrapper table").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_filter_with_the_keyboard_only(page, site):
    page.goto(f"{site}/arrangements/")
    # Tab from the top of the page to the search box, type, and submit with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    else:
        pytest.fail("the search box cannot be reached with the Tab key")
    page.keyboard.type("barristers")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=barristers**")
    assert count(page) == 1
    # Tick a checkbox with the space bar and submit it.
    page.goto(f"{site}/arrangements/")
    page.locator("#id_status").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url("**status=proposed**")
    assert count(page) == 0


def test_pages_work_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/arrangements/")
    page.get_by_label("Not pursued").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert count(page) == 1
    context.close()


PAGE_TYPES = [
    "/",
    "/arrangements/",
    "/arrangements/?status=operational&service_area=legal",
    "/arrangements/?status=banana",
    "/arrangements/?q=zebra",
    "/authorities/",
    "/authorities/ALP/",
    "/service-areas/",
    "/service-areas/legal/",
    "/accessibility/",
    "/no-such-page/",
    "/summary/",
    "/summary/tiers/",
    "/summary/service-areas/",
    "/summary/savings/",
    "/summary/pipeline/?as_of=2012-03-01",
    "/summary/national/",
    "/summary/briefing/?partnership=northern",
    "/summary/briefing/?authority=ALP",
    "/summary/briefing/",
    "/summary/briefing/?authority=XYZ",
]


@pytest.mark.parametrize("path", PAGE_TYPES + ["detail"])
def test_no_accessibility_violations(page, site, register, path):
    if path == "detail":
        path = register.fostering.get_absolute_url()
    page.goto(f"{site}{path}")
    assert axe_violations(page) == []


def test_the_accessibility_check_can_fail(page, site):
    """A planted image without alternative text is caught, so a pass above means something."""
    page.goto(f"{site}/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert "image-alt" in {violation["id"] for violation in axe_violations(page)}


def test_the_content_security_policy_lets_govuk_frontend_run(browser, site):
    context = browser.new_context()  # the policy enforced, as in any visitor's browser
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{site}/arrangements/")
    assert page.evaluate("document.body.classList.contains('js-enabled')")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    # GOV.UK Frontend's script initialised the skip link from its module file.
    page.wait_for_function(
        "document.querySelector('[data-module=govuk-skip-link]')"
        ".getAttribute('data-govuk-skip-link-init') !== null"
    )
    assert refused == []
    context.close()


def test_the_briefing_prints_reference_numbers_not_addresses(page, site):
    """Chromium's own print of the briefing: the summary alone on page 1, links as
    reference numbers, and no link's address after its text."""
    import pypdf

    page.goto(f"{site}/summary/briefing/?authority=ALP")
    page.emulate_media(media="print")
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    text = " ".join(pages)
    assert "Questions to ask" in pages[0] and "2. The arrangements" not in pages[0]
    assert "Shared legal team [" in text and "Download this briefing" not in text
    assert "(/arrangements/" not in text and "(http" not in text
    assert "Page 1 of" in pages[0]


def test_choose_a_council_for_a_briefing_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/summary/briefing/")
    page.get_by_label("A council").select_option(label="Alphaton (3)")
    page.get_by_role("button", name="Show the council's briefing").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Shared services: Alphaton"
    context.close()
