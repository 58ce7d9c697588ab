"""The list pages' filter panel as the server renders it, before any JavaScript: the
Show filters link of narrow screens, and the long lists of values as checkboxes."""

import re

import pytest

pytestmark = pytest.mark.django_db

LIST = "/arrangements/"


def html_of(client, path, params=None):
    response = client.get(path, params or {})
    assert response.status_code == 200
    return response.content.decode()


def panel_classes(html):
    return re.search(r'<div class="([^"]*)" id="filter-panel">', html).group(1).split()


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_the_panel_starts_closed_behind_a_link_that_opens_it(client, register, path):
    html = html_of(client, path, {"partnership": "northern"})
    assert "app-filter--closed" in panel_classes(html)
    toggle = html.split('id="filter-toggle"')[1].split("</div>")[0]
    # The link keeps the filters in force and lands on the panel.
    assert 'href="?partnership=northern&amp;filters=open#filter-panel"' in toggle
    assert ">Show filters</a>" in toggle


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_filters_open_shows_the_panel_with_a_link_that_hides_it(client, register, path):
    html = html_of(client, path, {"partnership": "northern", "filters": "open"})
    assert "app-filter--closed" not in panel_classes(html)
    toggle = html.split('id="filter-toggle"')[1].split("</div>")[0]
    assert 'href="?partnership=northern#filter-toggle"' in toggle
    assert ">Hide filters</a>" in toggle


def test_the_panel_is_open_when_a_filter_has_an_error(client, register):
    """So that the error summary's links lead to something on the screen."""
    html = html_of(client, LIST, {"status": "banana"})
    assert "There is a problem" in html
    assert "app-filter--closed" not in panel_classes(html)


def test_the_open_panel_does_not_change_what_is_listed_or_the_table_links(client, register):
    closed = html_of(client, LIST, {"status": "operational"})
    opened = html_of(client, LIST, {"status": "operational", "filters": "open"})
    assert 'id="total-arrangements">1<' in closed and 'id="total-arrangements">1<' in opened
    # Sorting and paging show the results: they leave the panel's state out, and the
    # table (cached whichever came first) is the same either way.
    table = opened.split('class="app-table-wrapper"')[1].split("</table>")[0]
    assert "filters=open" not in table
    assert table == closed.split('class="app-table-wrapper"')[1].split("</table>")[0]


def test_authorities_are_checkboxes_and_a_shared_address_ticks_them(client, register):
    html = html_of(client, LIST, {"authority": ["ALP", "DEL"]})
    boxes = re.findall(
        r'<input class="govuk-checkboxes__input" id="([^"]+)" name="authority"'
        r' type="checkbox" value="([A-Z]+)"( checked)?>',
        html,
    )
    assert [(value, bool(checked)) for _, value, checked in boxes] == [
        ("ALP", True),
        ("BET", False),
        ("DEL", True),
        ("GAM", False),
    ]
    # The first takes the field's id, which the error summary links to; every id is unique.
    ids = [box_id for box_id, _, _ in boxes]
    assert ids[0] == "id_authority" and len(set(ids)) == len(ids)
    for box_id in ids:
        assert f'for="{box_id}"' in html
    # A multiple select of every authority is gone, and how to choose several is said.
    assert 'name="authority" multiple' not in html
    group = html.split('data-noun="authority"')[1].split("</fieldset>")[0]
    assert "Select all that apply." in group
    assert "app-multi-choice__options--scroll" in group


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        (LIST, "region", "wales"),
        (LIST, "tier", "metropolitan-district"),
        ("/authorities/", "region", "wales"),
        ("/authorities/", "tier", "metropolitan-district"),
    ],
)
def test_regions_and_tiers_are_checkboxes_too(client, register, path, name, value):
    html = html_of(client, path, {name: value})
    assert f'name="{name}" type="checkbox" value="{value}" checked>' in html
    assert f'name="{name}" multiple' not in html


def test_the_autocomplete_is_loaded_from_this_site_on_the_list_pages_only(client, register):
    for path in (LIST, "/authorities/"):
        html = html_of(client, path)
        assert '<script defer src="/static/build/accessible-autocomplete.min.js">' in html
        assert 'href="/static/build/accessible-autocomplete.min.css"' in html
    assert "accessible-autocomplete" not in html_of(client, "/summary/")


def test_names_in_the_long_lists_are_escaped(client, register):
    """The long lists are written without the template engine's escaping: a council or
    partnership whose name holds HTML's special characters is shown as text."""
    from tests.factories import AuthorityFactory, PartnershipFactory

    AuthorityFactory(code="XSS", name='Tom & "Jerry" <b>Council</b>')
    PartnershipFactory(name="Smith's <i>joint</i> board", slug="smiths")
    html = html_of(client, LIST, {"authority": ["XSS"], "partnership": "smiths"})
    assert "<b>Council</b>" not in html and "<i>joint</i>" not in html
    assert (
        '<input class="govuk-checkboxes__input" id="id_authority_4" name="authority" '
        'type="checkbox" value="XSS" checked>'
    ) in html
    assert "Tom &amp; &quot;Jerry&quot; &lt;b&gt;Council&lt;/b&gt;</label>" in html
    assert (
        '<option value="smiths" selected>Smith&#x27;s &lt;i&gt;joint&lt;/i&gt; board</option>'
    ) in html


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [("has_savings", "maybe", "radio"), ("status", "nonsense", "checkbox")],
)
def test_an_error_summary_link_leads_to_the_first_choice(client, register, name, value, kind):
    """The error summary links to the field's id: its first choice has it, whether or not
    the field has an empty choice (the radios' "any" choice is not drawn)."""
    response = client.get(LIST, {name: value})
    html = response.content.decode()
    assert f'href="#id_{name}"' in html
    first = re.search(rf'<input class="govuk-(radios|checkboxes)__input" id="id_{name}" ', html)
    assert (
        first is not None and first.group(1) == {"radio": "radios", "checkbox": "checkboxes"}[kind]
    )
    ids = re.findall(rf'id="(id_{name}(?:_\d+)?)" name="{name}"', html)
    assert len(ids) == len(set(ids)) >= 2
    for input_id in ids:
        assert f'for="{input_id}"' in html
