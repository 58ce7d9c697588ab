"""Every screen for officers and councillors, on a phone and on a desktop.

Each page type at 320 CSS px wide (a phone, and a 1280 px window zoomed to 400%) and at
1280 px: the page never scrolls sideways (WCAG 1.4.10, reflow), every table scrolls
inside a focusable region named by its caption, and axe-core finds nothing. Then the
filter panel's Show filters toggle, with JavaScript and without, and the authority
autocomplete, by keyboard alone.
"""

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from tests.browser.conftest import axe_violations

# The register as `make run` sets it up: every authority, the two 2012 papers.
PAGE_TYPES = [
    "/",
    "/arrangements/",
    "/arrangements/?status=operational&service_area=legal&authority=CLD&authority=KIR",
    "/arrangements/?q=barristers",
    "/arrangements/?q=zebra",
    "/arrangements/?filters=open&authority=CLD",
    "/arrangements/?status=banana",
    "/arrangements/west-yorkshire-pension-advice/",  # six partners and five savings
    "/arrangements/wylaw/",  # a programme: partners, savings by year, workstreams
    "/authorities/",
    "/authorities/?filters=open&region=yorkshire-and-the-humber",
    "/authorities/CLD/",
    "/compare/?authority=CLD&authority=KIR",
    "/compare/?authority=CLD&authority=KIR&authority=LDS&authority=BRD&tier_average=0",
    "/compare/?authority=CLD",
    "/service-areas/",
    "/service-areas/legal/",
    "/service-areas/legal/?partner_error=1",
    "/authorities/CLD/partners/",
    "/authorities/CLD/partners/?service_area=legal",  # the ranked councils
    "/authorities/CLD/partners/?service_area=nowhere",
    "/summary/",
    "/summary/tiers/",
    "/summary/service-areas/",
    "/summary/regions/",
    "/summary/savings/",
    "/summary/pipeline/",
    "/summary/national/",
    "/summary/briefing/?authority=CLD",
    "/sources/calderdale-use-of-resources-2012-04-05/",
    "/accessibility/",
    "/no-such-page/",
]

OUTSIDE_A_REGION = """() => [...document.querySelectorAll('main table')].filter(table => {
  const region = table.closest('.app-table-wrapper');
  if (!region || region.getAttribute('role') !== 'region' || region.tabIndex !== 0) return true;
  const name = document.getElementById(region.getAttribute('aria-labelledby') || '');
  return !name || !table.contains(name) || !name.textContent.trim();
}).map(table => table.id || table.querySelector('caption')?.textContent.trim() || 'a table')"""


@pytest.fixture
def seeded_site(transactional_db, live_server):
    """What `make run` serves: the session's data is the reference data, the authorities
    and the seed papers, loaded by the same commands (tests/session_data.py)."""
    return live_server.url


@pytest.mark.parametrize("width", [320, 1280])
def test_every_page_type_reflows_and_has_no_accessibility_violations(page, seeded_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for path in PAGE_TYPES:
        response = page.goto(f"{seeded_site}{path}")
        assert response.status == (404 if path == "/no-such-page/" else 200), path
        found = []
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            found.append(f"the page is {scroll_width} px wide in a {inner_width} px window")
        outside = page.evaluate(OUTSIDE_A_REGION)
        if outside:
            found.append(f"tables not in a focusable region named by their caption: {outside}")
        if violations := axe_violations(page):
            found.append(violations)
        if found:
            problems[path] = found
    assert problems == {}


def test_the_arrangement_pages_tables_are_not_cut_off_on_a_phone(page, seeded_site):
    """The Partners and Savings tables scroll in their regions: every column can be
    reached, and the page itself does not move."""
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(f"{seeded_site}/arrangements/west-yorkshire-pension-advice/")
    for caption in ("Authorities named in this arrangement", "Savings recorded"):
        region = page.get_by_role("region", name=caption)
        region.focus()
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # it scrolls...
        at_the_end = "r => r.scrollLeft + r.clientWidth >= r.scrollWidth - 1"
        for _ in range(100):  # ...with the keyboard, to its last column
            if region.evaluate(at_the_end):
                break
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(50)
        assert region.evaluate(at_the_end)
        column, frame = region.locator("thead th").last.bounding_box(), region.bounding_box()
        # The last column's right edge is in view, at the region's right edge.
        assert abs(column["x"] + column["width"] - (frame["x"] + frame["width"])) <= 1
    assert page.evaluate("window.scrollX") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_nothing_in_the_list_scrolls_sideways_on_a_phone_but_its_table(page, seeded_site):
    """The headline figures' grid row sat in the list's content box, which scrolls for
    the table, and its negative margins made the whole box scroll."""
    page.set_viewport_size({"width": 320, "height": 900})
    for path in ("/arrangements/", "/authorities/"):
        page.goto(f"{seeded_site}{path}")
        box = page.locator(".moj-filter-layout__content")
        assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), path


@pytest.mark.parametrize("path", ["/arrangements/?per_page=100", "/authorities/"])
def test_a_printed_list_fits_a4_portrait(page, seeded_site, path):
    """On paper nothing scrolls: every table fits A4's 186 mm between its margins
    (703 CSS pixels), so no column is cut off at the page's edge."""
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    page.goto(f"{seeded_site}{path}")
    widths = page.evaluate(
        "[...document.querySelectorAll('table')].map(t => [t.id || t.className,"
        " t.getBoundingClientRect().right, t.scrollWidth])"
    )
    assert widths
    assert [w for w in widths if w[1] > 703 or w[2] > 703] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 703


def test_long_unbroken_words_wrap_on_a_phone(page, seeded_site):
    """A web address in a summary, or a title of one long word, wraps: the page never
    scrolls sideways for what an officer typed."""
    from register.models import Authority
    from tests.factories import make_arrangement

    url = "https://www.calderdale.gov.uk/council/decisions/shared-services/2012-13/report.pdf"
    make_arrangement(
        "Supercalifragilistic" * 8,
        slug="unbroken",
        summary=f"The report is at {url} and nowhere else.",
        members=[Authority.objects.get(code="ADU"), Authority.objects.get(code="ALL")],
        lead=Authority.objects.get(code="ADU"),
    )
    page.set_viewport_size({"width": 320, "height": 900})
    for path in (
        "/arrangements/unbroken/",
        "/authorities/ADU/",
        "/summary/briefing/?authority=ADU",
    ):
        page.goto(f"{seeded_site}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide"


def test_the_list_heading_lines_up_with_the_header(page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ("/arrangements/", "/authorities/"):
        page.goto(f"{site}{path}")
        heading = page.locator("h1").bounding_box()
        service_name = page.locator(".app-header__service-name").bounding_box()
        assert heading["x"] == service_name["x"] > 0
        # ...and every column of the list fits beside the filter panel (to a pixel's
        # rounding).
        # The list's own table (the arrangements list also has the map's table).
        region = page.locator('.app-table-wrapper:not([aria-labelledby$="map-table-caption"])')
        assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1"), path


def count(page):
    return int(page.locator("#total-arrangements").inner_text().replace(",", ""))


def chosen(url):
    """The authorities an address filters by, as a shared link would carry them."""
    return sorted(parse_qs(urlsplit(url).query).get("authority", []))


@pytest.mark.parametrize(
    "viewport",
    [
        {"width": 375, "height": 800},  # a phone
        {"width": 320, "height": 225},  # a 1280 x 900 window at 400% zoom
    ],
    ids=["phone", "zoom-400"],
)
def test_the_filter_toggle_hides_and_shows_the_panel(page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site}/arrangements/")
    panel = page.locator("#filter-panel")
    # The panel starts hidden, and the list is there to read.
    assert panel.is_hidden()
    assert page.locator("#total-arrangements").is_visible()
    toggle = page.locator("#filter-toggle button")  # the link became a real button
    assert page.locator("#filter-toggle a").count() == 0
    assert toggle.inner_text() == "Show filters"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "filter-panel"
    # Opened from the keyboard, it is part of the page, not a layer over all of it.
    toggle.focus()
    page.keyboard.press("Enter")
    assert panel.is_visible()
    assert toggle.inner_text() == "Hide filters"
    assert toggle.get_attribute("aria-expanded") == "true"
    assert panel.evaluate("p => getComputedStyle(p.parentElement).position") == "static"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # ...and hidden again, with the list in view.
    toggle.click()
    assert panel.is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    # Filtering from the opened panel works, and shows the results with it hidden.
    toggle.click()
    page.get_by_label("Operational").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert count(page) == 1
    assert page.locator("#filter-panel").is_hidden()


def test_the_filter_toggle_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/arrangements/?status=operational")
    panel = page.locator("#filter-panel")
    assert panel.is_hidden()
    # A link to the same list with the panel open: the filters in force are kept.
    show = page.get_by_role("button", name="Show filters")
    show.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**filters=open**")
    assert "status=operational" in page.url
    assert panel.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Without JavaScript the authorities are checkboxes; two of them filter by both.
    page.get_by_label("Operational").uncheck()
    page.get_by_label("Gammashire").check()
    page.get_by_label("Deltaby").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert chosen(page.url) == ["DEL", "GAM"]
    assert count(page) == 3
    assert panel.is_hidden()
    # Shown and hidden again.
    page.get_by_role("button", name="Show filters").click()
    assert panel.is_visible()
    page.get_by_role("button", name="Hide filters").click()
    assert "filters=open" not in page.url
    assert panel.is_hidden()
    # From desktop width the panel is always shown, and the toggle is not.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert panel.is_visible()
    assert page.locator("#filter-toggle").is_hidden()
    context.close()


def test_a_keyboard_user_picks_two_authorities_with_the_autocomplete(browser, site):
    context = browser.new_context()  # the content security policy enforced
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{site}/arrangements/")
    # Tab from the search box to the autocomplete.
    page.locator("#id_q").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "combobox":
            break
    else:
        pytest.fail("the authority autocomplete cannot be reached with the Tab key")
    combobox = page.get_by_role("combobox", name="Add an authority")
    assert page.evaluate("document.activeElement.id") == combobox.get_attribute("id")
    # Only the values chosen are shown as checkboxes; none yet.
    assert page.locator("input[name=authority]:visible").count() == 0
    page.keyboard.type("gamm")
    page.get_by_role("option", name="Gammashire").wait_for()
    page.keyboard.press("Enter")
    assert combobox.input_value() == ""  # ready for the next
    page.keyboard.type("del")
    page.get_by_role("option", name="Deltaby").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    ticked = page.locator("input[name=authority]:checked")
    assert sorted(ticked.evaluate_all("inputs => inputs.map(i => i.value)")) == ["DEL", "GAM"]
    assert page.get_by_label("Gammashire").is_visible()
    assert page.get_by_label("Deltaby").is_visible()
    status = page.locator("#id_authority").locator("xpath=ancestor::fieldset")
    assert status.locator(".app-multi-choice__status").inner_text() == (
        "Deltaby added. 2 authorities chosen."
    )
    # A chosen authority is not offered again.
    page.keyboard.type("gamm")
    page.get_by_role("option", name="No results found").wait_for()
    page.keyboard.press("Escape")
    combobox.fill("")
    # Enter in the empty box applies the filters: either authority takes part.
    page.keyboard.press("Enter")
    page.wait_for_url("**authority=**")
    assert chosen(page.url) == ["DEL", "GAM"]
    # The autocomplete's own box has no name: it adds nothing to the address.
    names = {name for name, _ in parse_qsl(urlsplit(page.url).query, keep_blank_values=True)}
    assert "" not in names and "input-autocomplete" not in names
    assert count(page) == 3
    table = page.get_by_role("region", name="Arrangements")
    titles = table.locator("tbody tr td:first-child a").all_inner_texts()
    assert sorted(titles) == ["Costs draftsman", "Fostering framework", "Regulatory services"]
    # The chosen authorities are shown after the page reloads; unticking one removes it.
    page.get_by_label("Gammashire").uncheck()
    page.get_by_role("button", name="Apply filters").first.click()
    assert chosen(page.url) == ["DEL"]
    assert count(page) == 2
    assert refused == []
    context.close()


def test_a_shared_address_selects_the_authorities_it_names(page, site):
    page.goto(f"{site}/arrangements/?authority=ALP&authority=BET")
    assert page.get_by_label("Alphaton").is_checked()
    assert page.get_by_label("Betaford").is_checked()
    assert page.get_by_label("Gammashire").is_hidden()  # not chosen: offered by the autocomplete
    assert count(page) == 4


def test_an_error_summary_link_leads_to_the_authority_autocomplete(page, site):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{site}/arrangements/?authority=NOPE")
    # With errors the panel starts open, so the summary's links lead somewhere.
    assert page.locator("#filter-panel").is_visible()
    page.locator(".govuk-error-summary a", has_text="Authority").click()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"


def test_the_partner_finder_is_reached_and_used_without_javascript(browser, site):
    """From a service area's page, choose a council; from the finder, another service;
    from an authority's page, a service: plain forms, on a phone, no JavaScript."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/service-areas/legal/")
    page.get_by_label("Council").select_option("ALP")
    page.get_by_role("button", name="Find partners").click()
    page.wait_for_url("**/authorities/ALP/partners/?service_area=legal")
    assert page.get_by_role("heading", name="Find partners for legal services").is_visible()
    first = page.get_by_role("region", name="Councils that could share legal services")
    assert first.locator("tbody tr").first.get_by_role("link").first.inner_text() == "Betaford"
    page.get_by_label("Service to share").select_option("fostering")
    page.get_by_role("button", name="Find partners").click()
    page.wait_for_url("**service_area=fostering")
    assert "Welcomes new members" in page.locator("#partners").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.goto(f"{site}/authorities/BET/")
    page.get_by_label("Service to share").select_option("legal")
    page.get_by_role("button", name="Find partners").click()
    page.wait_for_url("**/authorities/BET/partners/?service_area=legal")
    # Without a council chosen, the service area's page says what to do.
    page.goto(f"{site}/service-areas/legal/")
    page.get_by_role("button", name="Find partners").click()
    assert "Choose a council from the list" in page.locator("#find-partners ~ form").inner_text()
    context.close()


def test_a_chart_keeps_its_marks_in_forced_colours(browser, site):
    """Windows high contrast and the like (forced colours) do not change colours drawn as
    SVG attributes: on a dark background the target lines, the zero line and the arrows
    vanished. Each mark takes the system's text colour instead."""
    context = browser.new_context(forced_colors="active", color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{site}/summary/savings/")
        chart = page.locator(".app-svg-chart__svg").first
        assert chart.count() == 1
        text_colour = page.evaluate(
            "() => { const p = document.createElement('p'); p.style.color = 'CanvasText';"
            " document.body.append(p); const c = getComputedStyle(p).color; p.remove();"
            " return c; }"
        )
        strokes = chart.evaluate(
            "svg => [...svg.querySelectorAll('line.app-svg-chart__zero, rect')]"
            ".map(e => getComputedStyle(e).stroke)"
        )
        assert strokes and set(strokes) == {text_colour}, (strokes, text_colour)
        assert text_colour != "rgb(11, 12, 12)"  # not the dark ink that vanishes on black
    finally:
        context.close()
