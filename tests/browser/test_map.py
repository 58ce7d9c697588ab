"""The map on the three pages that draw it, in a browser: on a phone and a desktop with
axe, its dots as links without JavaScript, its table alternative, in print and in forced
colours."""

import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import axe_violations

PAGES = {
    "arrangements-map": "/arrangements/?authority=CLD",
    "authority-map": "/authorities/CLD/",
    "partners-map": "/authorities/CLD/partners/?service_area=legal",
}


@pytest.fixture
def seeded_site(transactional_db, live_server):
    for command in ("load_reference", "import_authorities", "load_seed"):
        call_command(command, stdout=io.StringIO())
    return live_server.url


@pytest.mark.parametrize("width", [320, 1280])
def test_the_map_fits_the_screen_and_axe_finds_nothing(page, seeded_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for map_id, path in PAGES.items():
        page.goto(f"{seeded_site}{path}")
        found = []
        figure = page.locator(f"#{map_id}")
        if not figure.is_visible():
            problems[path] = ["no map"]
            continue
        box = figure.locator("svg.app-map__svg").bounding_box()
        if box["width"] < 200 or box["x"] + box["width"] > width:
            found.append(f"the map is drawn {box['width']:.0f} px wide at {box['x']:.0f} px")
        dots = figure.locator("svg a circle, svg a rect").count()
        if dots < 2:
            found.append(f"{dots} councils drawn")
        details = page.locator(f"#{map_id}-details")
        if details.count():
            details.locator("summary").click()
            if not page.get_by_role(
                "region", name=page.locator(f"#{map_id}-table-caption").inner_text()
            ).is_visible():
                found.append("the table alternative is not shown in its region")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            found.append(f"the page is {scroll_width} px wide")
        if violations := axe_violations(page):
            found.append(violations)
        if found:
            problems[path] = found
    assert problems == {}


def test_the_maps_words_reach_a_screen_reader_and_its_drawing_does_not(page, seeded_site):
    page.goto(f"{seeded_site}{PAGES['authority-map']}")
    figure = page.get_by_role("figure", name="Where Calderdale's partners are")
    assert "ringed dot" in figure.inner_text()
    assert page.locator("#authority-map svg.app-map__svg").get_attribute("aria-hidden") == "true"
    # Its links are reached by the keyboard in the table, not in the drawing.
    assert page.locator("#authority-map svg a[tabindex='-1']").count() >= 2
    assert page.locator("#authority-map svg a:not([tabindex='-1'])").count() == 0


def test_a_dot_is_a_link_without_javascript(browser, seeded_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{seeded_site}{PAGES['arrangements-map']}")
    page.locator("#arrangements-map svg a[href='/authorities/KIR/']").click(force=True)
    page.wait_for_url("**/authorities/KIR/")
    assert page.locator("h1").inner_text() == "Kirklees"
    context.close()


def test_the_map_prints_and_keeps_its_marks_in_forced_colours(page, seeded_site):
    page.goto(f"{seeded_site}{PAGES['authority-map']}")
    page.emulate_media(media="print")
    assert page.locator("#authority-map svg.app-map__svg").is_visible()
    assert page.locator("#authority-map .app-map__key").is_visible()
    page.emulate_media(media="screen", forced_colors="active")

    def style(selector, prop):
        return page.locator(f"#authority-map svg.app-map__svg {selector}").first.evaluate(
            f"e => getComputedStyle(e).{prop}"
        )

    canvas = page.evaluate(
        "() => { const d = document.createElement('div'); d.style.color = 'Canvas';"
        " document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c }"
    )
    text = page.evaluate(
        "() => { const d = document.createElement('div'); d.style.color = 'CanvasText';"
        " document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c }"
    )
    assert style(".app-map__land", "fill") == canvas
    assert style(".app-map__land", "stroke") == text
    assert style(".app-map__line", "stroke") == text
    assert style(".app-map__focus rect", "fill") == text
    assert style(".app-map__involved circle", "stroke") == text


def test_the_maps_table_is_printed_though_it_is_folded_on_screen(page, seeded_site):
    for map_id in ("authority-map", "arrangements-map"):
        page.emulate_media(media="screen")
        page.goto(f"{seeded_site}{PAGES[map_id]}")
        table = page.locator(f"#{map_id}-table")
        assert not table.is_visible()  # folded away on screen, as before
        page.emulate_media(media="print")
        assert table.is_visible()
        assert table.locator("a[href='/authorities/KIR/']").first.is_visible()
        box = table.bounding_box()
        assert box["width"] > 200 and box["height"] > 40
        # The fold's toggle means nothing on paper.
        assert not page.locator(f"#{map_id}-details summary").is_visible()
