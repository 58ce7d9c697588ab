"""Comparing councils in a browser: from an authority's page, with the autocomplete and
with JavaScript off, on a phone, with axe."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import axe_violations


def query(url):
    return parse_qsl(urlsplit(url).query)


def test_from_an_authority_page_to_a_comparison_with_the_autocomplete(browser, site):
    context = browser.new_context()  # the content security policy enforced
    page = context.new_page()
    page.goto(f"{site}/authorities/ALP/")
    page.get_by_role("link", name="Compare Alphaton with other councils").click()
    page.wait_for_url("**/compare/?authority=ALP")
    assert "Choose one to three more councils to compare with Alphaton" in page.inner_text("main")
    combobox = page.get_by_role("combobox", name="Add a council")
    combobox.click()
    page.keyboard.type("beta")
    page.get_by_role("option", name="Betaford (BET)").wait_for()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**authority=BET**")
    assert [v for k, v in query(page.url) if k == "authority"] == ["ALP", "BET"]
    assert page.locator("h1").inner_text() == "Alphaton and Betaford"
    # Each count links to the list behind it.
    page.locator("#areas-table").get_by_role("link", name="2").first.click()
    page.wait_for_url("**/arrangements/**")
    assert dict(query(page.url)) == {"authority": "ALP", "service_area": "corporate"}
    context.close()


def test_choosing_councils_and_hiding_the_averages_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/compare/?authority=ALP")
    page.get_by_label("Gammashire (GAM)").check()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**tier_average=0**")
    assert page.locator("h1").inner_text() == "Alphaton and Gammashire"
    assert page.locator("#tier-averages-hidden").is_visible()
    assert page.locator("#areas-table th", has_text="Average per").count() == 0
    page.get_by_role("link", name="Show the tier averages").click()
    assert page.locator("#areas-table th", has_text="Average per").count() == 2
    context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_comparison_reflows_and_passes_axe(page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path in (
        "/compare/",
        "/compare/?authority=ALP&authority=ZZZ",
        "/compare/?authority=ALP&authority=BET&authority=GAM&authority=DEL",
    ):
        page.goto(f"{site}{path}")
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, path
        assert axe_violations(page) == [], path
