"""The browsing pages as an officer uses them: lists, sorting, pages, exports, details."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from register.models import Membership
from register.signals import refreshed_once
from tests.factories import ArrangementFactory, body

pytestmark = pytest.mark.django_db

LIST = "/arrangements/"


def rows_of_csv(response):
    return list(csv.DictReader(io.StringIO(body(response))))


def test_list_shows_counts_totals_and_selected_filters(client, register):
    page = client.get(LIST, {"authority": "ALP", "status": ["operational", "procurement"]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Showing 1 to 2 of 2 arrangements" in html
    assert 'id="total-arrangements">2<' in html
    # Alphaton, Betaford, Gammashire (fostering) and Deltaby (fostering): distinct authorities.
    assert 'id="total-authorities">4<' in html
    # 100,000 estimated + 50,000 achieved + over 700,000 forecast; the target is not
    # counted, and "over" makes the sum a lower bound.
    assert 'id="total-savings">at least £850,000<' in html
    basis = html.split('id="savings-by-basis"')[1].split("</p>")[0]
    assert "estimated £100,000; forecast at least £700,000; achieved £50,000." in basis
    assert "target" not in basis
    # Selected filters as removable tags that keep the other filters.
    assert 'href="/arrangements/?status=operational&amp;status=procurement"' in html
    assert "Clear filters" in html


def test_an_empty_result_explains_itself(client, register):
    html = client.get(LIST, {"q": "zebra"}).content.decode()
    assert "No arrangements match these filters" in html
    assert 'id="total-arrangements">0<' in html


def test_bad_input_gets_an_error_summary_not_a_server_error(client, register):
    response = client.get(LIST, {"status": "banana", "savings_min": "abc", "page": "-1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Select a valid choice. banana is not one of the available choices." in html
    assert "Enter a number." in html
    assert "<title>Error: Arrangements" in html


@pytest.mark.parametrize("asked", ["99999", "-1", "abc", "0"])
def test_a_page_the_list_does_not_have_says_so(client, register, asked):
    html = body(client.get(LIST, {"page": asked}))
    assert f"There is no page “{asked}”: this list has 1 page, so this is page 1." in html
    assert "Showing 1 to 4 of 4 arrangements" in html
    assert 'id="beyond-the-pages"' not in body(client.get(LIST, {"page": "1"}))


@pytest.mark.parametrize("asked", ["99999", "-1", "abc", "0"])
def test_a_page_the_authority_list_does_not_have_says_so(client, authorities, asked):
    response = client.get("/authorities/", {"page": asked, "per_page": 25})
    pages = response.context["table"].paginator.num_pages
    assert pages > 1
    shown = pages if asked == "99999" else 1  # below the first or not a number: the first
    assert response.context["table"].page.number == shown
    assert (
        f"There is no page “{asked}”: this list has {pages} pages, so this is page {shown}."
        in body(response)
    )
    assert 'id="beyond-the-pages"' not in body(client.get("/authorities/", {"page": "2"}))


@pytest.mark.parametrize("asked", ["0", "-1"])
def test_a_page_below_the_first_shows_the_first_not_the_last(client, register, asked):
    with refreshed_once():
        for n in range(25):
            ArrangementFactory(title=f"Another {n:02}")
    response = client.get(LIST, {"page": asked})
    table = response.context["table"]
    assert table.paginator.num_pages > 1 and table.page.number == 1
    assert f"There is no page “{asked}”" in body(response)


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_a_download_sorted_by_what_the_list_cannot_sort_by_is_refused(client, register, path):
    response = client.get(path, {"_export": "csv", "sort": "bogus"})
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert "This list cannot be sorted by “bogus”" in body(response)


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_a_sort_the_list_does_not_have_says_so(client, register, path):
    # Not a column, not as django-tables2 takes it (spaces, several at once), or markup.
    for sort in ("nonsense", "-nonsense", "-title ", " -title", "-title,status", "<b>x</b>"):
        html = body(client.get(path, {"sort": sort}))
        shown = sort.replace("<", "&lt;").replace(">", "&gt;")
        assert f"This list cannot be sorted by “{shown}”, so it is in its usual order." in html
    assert "cannot be sorted by" not in body(client.get(path, {"sort": ""}))
    table = client.get(path).context["table"]
    for column in (c for c in table.columns if c.orderable):
        for sort in (column.name, f"-{column.name}"):
            assert "cannot be sorted by" not in body(client.get(path, {"sort": sort})), sort
    # Nor by a column that only the downloads have: the page would not show it.
    hidden = [name for name, c in type(table).base_columns.items() if not c.visible]
    assert hidden
    for name in hidden:
        assert f"cannot be sorted by “{name}”" in body(client.get(path, {"sort": name})), name


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_a_page_size_the_list_does_not_offer_says_so(client, register, path):
    usual = 25 if path == LIST else 50
    for asked in ("abc", "7", "100000", "-25"):
        response = client.get(path, {"per_page": asked})
        html = body(response)
        assert (
            f"There is no page size “{asked}”: a page shows 25, 50 or 100 rows, "
            f"so this one shows {usual}." in html
        )
        assert response.context["table"].paginator.per_page == usual
    assert "There is no page size" not in body(client.get(path, {"per_page": "50"}))


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_how_the_list_is_shown_given_twice_uses_neither_and_says_so(client, register, path):
    """Which of two sorts, pages, page sizes or downloads was meant cannot be known:
    django-tables2 would take the last in silence."""
    query = "sort=title&sort=-title&per_page=50&per_page=100&page=2&page=1"
    response = client.get(f"{path}?{query}")
    html = body(response)
    for name, values in (("sort", "‘title’, ‘-title’"), ("per_page", "‘50’, ‘100’")):
        assert f"“{name}”: Give one value only: it was given 2 times ({values})." in html
    assert "None is used: the list is in its usual order." in html
    table = response.context["table"]
    assert table.order_by == client.get(path).context["table"].order_by
    assert table.paginator.per_page == (25 if path == LIST else 50)
    assert table.page.number == 1
    # A download asked for so is refused, not made in an order nobody chose.
    refused = client.get(f"{path}?_export=csv&sort=title&sort=-title")
    assert refused.status_code == 400 and "Content-Disposition" not in refused
    assert "“sort”: Give one value only" in body(refused)
    # Nor is either of two downloads made.
    two_downloads = client.get(path, {"_export": ["csv", "json"]})
    assert "Content-Disposition" not in two_downloads
    assert "None is used: this is the page, not a download." in body(two_downloads)


def test_a_search_with_a_sort_it_cannot_use_keeps_its_own_order(client, register):
    asked = {"q": "legal", "sort": "bogus"}
    html = body(client.get(LIST, asked))
    assert "This list cannot be sorted by “bogus”" in html
    assert "Sorted as you chose" not in html
    assert "Sorted as you chose" in body(client.get(LIST, {"q": "legal", "sort": "-title"}))


def test_a_download_format_is_known_whatever_its_case(client, register):
    response = client.get(LIST, {"_export": "CSV"})
    assert response["Content-Disposition"] == 'attachment; filename="arrangements.csv"'
    html = body(client.get(LIST, {"_export": "P" * 25}))
    assert f"There is no “{'P' * 19}…” download of this list" in html


@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_a_page_with_bad_filters_offers_no_downloads_until_they_are_corrected(
    client, register, path
):
    html = body(client.get(path, {"region": "atlantis"}))
    assert "There is a problem" in html and "_export=" not in html
    assert "Downloads are offered once the filters are corrected" in html
    html = body(client.get(path, {"region": "wales"}))
    assert "_export=csv" in html and "Downloads are offered once" not in html


@pytest.mark.parametrize("export", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("path", [LIST, "/authorities/"])
def test_a_download_with_bad_filters_is_the_error_page_not_an_empty_file(
    client, register, export, path
):
    response = client.get(path, {"_export": export, "region": "atlantis"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "There is a problem" in body(response)


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=999999",
        "per_page=7",
        "per_page=abc",
        "sort=nonsense",
        "sort=-partner_count",
        "authority=%00",
        "q=%00",
        "q=" + "a" * 5000,
        "_export=pdf",
        "financial_year=0000/01",
        "savings_max=1e400",
        "start_year_min=99999999999",
    ],
)
def test_odd_parameters_never_break_the_list(client, register, query):
    expected = 400 if "%00" in query else 200  # a NUL character is refused with a clear page
    assert client.get(f"{LIST}?{query}").status_code == expected
    assert client.get(f"/authorities/?{query}").status_code == expected


@pytest.mark.parametrize(
    "column, first",
    [
        ("title", "Costs draftsman"),
        ("-title", "Shared legal team"),
        ("partner_count", "Regulatory services"),  # 2 partners
        ("-partner_count", "Fostering framework"),  # 3 each: ties broken by title, reversed
        ("savings_total", "Costs draftsman"),  # no amounts; ties broken by title
        ("-savings_total", "Fostering framework"),
        ("lead_name", "Shared legal team"),  # Alphaton; no lead sorts last
        ("-lead_name", "Fostering framework"),  # Gammashire
        ("service_areas", "Regulatory services"),  # Building control
        ("start_date", "Shared legal team"),  # July 2011; unknown dates last
        ("-start_date", "Fostering framework"),
        ("status", "Costs draftsman"),  # in_development
        ("kind", "Costs draftsman"),  # hosted_resource
    ],
)
def test_every_column_sorts(client, register, column, first):
    table = client.get(LIST, {"sort": column}).context["table"]
    assert table.page.object_list[0].record.title == first


def test_pages_are_stable_and_sized_on_request(client, register):
    from tests.factories import make_arrangement

    for _ in range(60):
        make_arrangement("Same title", status="operational", members=[register.alpha])
    seen = []
    for page in (1, 2, 3):
        table = client.get(LIST, {"sort": "status", "page": page}).context["table"]
        seen += [row.record.pk for row in table.page.object_list]
    assert len(seen) == len(set(seen)) == 64
    assert len(client.get(LIST, {"per_page": 50}).context["table"].page.object_list) == 50
    assert len(client.get(LIST, {"per_page": 100}).context["table"].page.object_list) == 64
    assert len(client.get(LIST, {"per_page": 1000}).context["table"].page.object_list) == 25
    html = client.get(LIST, {"page": 2}).content.decode()
    assert "Showing 26 to 50 of 64 arrangements" in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_deep_pages_are_bounded_and_say_how_to_reach_the_rest(client, register, monkeypatch):
    from register.tables import BoundedPaginator
    from tests.factories import make_arrangement

    for number in range(60):
        make_arrangement(f"Bounded {number:02}", status="operational", members=[register.alpha])
    monkeypatch.setattr(BoundedPaginator, "max_rows", 50)  # two pages of 25 of the 64
    last = client.get(LIST, {"page": 2})
    assert last.context["table"].paginator.num_pages == 2
    html = body(last)
    assert "Showing 26 to 50 of 64 arrangements" in html
    assert 'id="last-page-shown"' in html and "download all 64" in html
    assert 'rel="next"' not in html
    beyond = client.get(LIST, {"page": 3})
    assert beyond.status_code == 200
    html = body(beyond)
    assert "There is no page “3” among the 2 pages this list shows" in html
    assert "Showing 26 to 50 of 64 arrangements" in html
    # Sorted the other way, the rows the bound kept out come first.
    reverse_first = client.get(LIST, {"sort": "-title"}).context["table"]
    assert reverse_first.page.object_list[0].record.title == "Shared legal team"
    first = client.get(LIST, {"page": 1})
    assert 'id="last-page-shown"' not in body(first) and 'id="beyond-the-pages"' not in body(first)


def test_exports_hold_every_filtered_row_as_plain_text(client, register):
    from tests.factories import make_arrangement

    for number in range(30):
        make_arrangement(f"Extra {number:02}", members=[register.alpha], areas=["legal"])
    response = client.get(LIST, {"service_area": "legal", "_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of_csv(response)
    assert len(rows) == 32  # every row, not one page
    assert list(rows[0]) == [
        "Title",
        "Status",
        "Kind",
        "Lead authority",
        "Partners",
        "Service areas",
        "Savings recorded",
        "Start",
        "Savings at least (£)",
        "Savings at most (£; empty when open-ended)",
        "Percentage savings",
        "Welcomes new members",
        "New members' contact (role)",
        "New members' contact (shared mailbox)",
        "Partners (code: role)",
        "Sources",
        "End",
        "Review due",
        "Break clause (a partner may leave from)",
        "How a partner may leave",
        "Last confirmed by a council",
        "Address",
    ]
    legal = next(row for row in rows if row["Title"] == "Shared legal team")
    assert legal == {
        "Title": "Shared legal team",
        "Status": "Operational",
        "Kind": "Shared service",
        "Lead authority": "Alphaton",
        "Partners": "2",
        "Service areas": "Legal services",
        "Savings recorded": "£150,000",
        "Start": "July 2011",
        "Savings at least (£)": "150000.00",
        "Savings at most (£; empty when open-ended)": "150000.00",
        "Percentage savings": "",
        "Welcomes new members": "No",
        "New members' contact (role)": "",
        "New members' contact (shared mailbox)": "",
        "Partners (code: role)": "ALP: lead; BET: partner",
        "Sources": "",
        "End": "",
        "Review due": "",
        "Break clause (a partner may leave from)": "",
        "How a partner may leave": "",
        "Last confirmed by a council": "",
        "Address": f"http://testserver{register.legal.get_absolute_url()}",
    }
    draftsman = next(row for row in rows if row["Title"] == "Costs draftsman")
    assert draftsman["Percentage savings"] == "up to 35%"
    assert all("<" not in value for row in rows for value in row.values())

    data = json.loads(client.get(LIST, {"service_area": "legal", "_export": "json"}).content)
    assert len(data) == 32 and data[0]["Title"]
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(LIST, {"service_area": "legal", "_export": "xlsx"}).content)
    )
    assert workbook.active.max_row == 33  # heading row + 32


def test_arrangement_page_shows_everything(client, register):
    html = client.get(register.fostering.get_absolute_url()).content.decode()
    assert "Fostering framework" in html
    assert "over £700,000 (2.5%)" in html  # the qualifier is kept
    assert "19 March 2012" in html and "April 2012" in html  # dates with their precision
    assert "Gammashire" in html and ">Lead<" in html
    assert "April 2012" in html.split('id="facts"')[1].split("</dl>")[0]  # start, month precision
    legal = client.get(register.legal.get_absolute_url()).content.decode()
    assert "Costs draftsman" in legal.split('id="workstreams"')[1]
    assert "2012/13" in legal.split('id="savings-totals"')[1]
    draftsman = client.get(register.workstream.get_absolute_url()).content.decode()
    assert "up to 35%" in draftsman
    assert "Part of" in draftsman and "Shared legal team" in draftsman
    assert "Shared legal team" in draftsman.split('id="related"')[1]
    regulatory = client.get(register.regulatory.get_absolute_url()).content.decode()
    assert "Top heavy" in regulatory.split('id="barriers"')[1]


def test_authority_pages(client, register):
    html = client.get("/authorities/ALP/").content.decode()
    assert "Alphaton" in html
    assert "Lead (1)" in html and "Partner (2)" in html
    assert client.get("/authorities/ZZZ/").status_code == 404
    assert client.get("/authorities/zzz/").status_code == 404
    lower = client.get("/authorities/alp/")
    assert lower.status_code == 301 and lower["Location"] == "/authorities/ALP/"
    assert client.get("/authorities/%00/").status_code == 400
    listing = client.get("/authorities/", {"region": "wales"}).content.decode()
    assert "Showing 1 to 1 of 1 authority" in listing


def test_an_authority_page_stays_the_same_size_however_many_arrangements(client, register):
    from decimal import Decimal

    from tests.factories import make_arrangement

    for number in range(12):
        make_arrangement(
            f"Partnered {number:02}",
            members=[register.alpha, register.beta],
            lead=register.beta,
            savings=[{"amount": Decimal(1000 * (number + 1)), "basis": "forecast"}],
        )
    html = body(client.get("/authorities/ALP/"))
    assert "Partner (14)" in html
    by_role, savings = html.split('id="arrangements"')[1].split('id="savings"')
    # The first ten by title: the draftsman, fostering, then Partnered 00 to 07.
    assert by_role.count("Partnered ") == 8 and "Partnered 07" in by_role
    assert (
        'href="/arrangements/?authority=ALP&amp;role=partner">See all 14 arrangements where its'
        " role is partner</a>" in by_role
    )
    whole = savings.split('id="whole-savings"')[1].split("</ul>")[0]
    # The ten largest, targets after every saving: 700,000, 100,000, 50,000, then
    # Partnered 11 (12,000) down to Partnered 05 (6,000).
    assert whole.count("<li>") == 10 and whole.count("Partnered ") == 7
    assert whole.index("Partnered 11") < whole.index("Partnered 05")
    assert "target" not in whole
    assert "The 10 largest of 17 whole-partnership figures are listed" in savings
    # The total still counts every saving (not the target): the legal team's 150,000,
    # fostering's "over 700,000" and 1,000 + 2,000 + ... + 12,000 = 78,000.
    assert "they come to at least £928,000" in savings
    listed = client.get("/arrangements/", {"authority": "ALP", "role": "partner"})
    assert listed.context["totals"].arrangements == 14


def test_an_authority_only_named_in_options_offers_no_empty_list(client, register):
    from tests.factories import MembershipFactory

    MembershipFactory(arrangement=register.legal, authority=register.delta, role="prospective")
    html = body(client.get("/authorities/DEL/"))
    assert "takes part (as lead, host or partner) in 2" in html
    assert 'href="/arrangements/?authority=DEL">Filter, sort or download the 2 it takes' in html
    MembershipFactory(arrangement=register.legal, authority=register.gamma, role="prospective")
    Membership.objects.filter(authority=register.gamma).exclude(role="prospective").delete()
    html = body(client.get("/authorities/GAM/"))
    assert "takes part (as lead, host or partner) in 0" in html
    assert "Filter, sort or download" not in html
    assert "Prospective (named in an option, not joined) (1)" in html


def test_service_area_pages(client, register):
    html = client.get("/service-areas/").content.decode()
    assert 'href="/arrangements/?service_area=legal">2<' in html
    assert 'href="/arrangements/?service_area=corporate">2<' in html
    assert 'href="/arrangements/?service_area=regulatory">1<' in html
    detail = client.get("/service-areas/corporate/").content.decode()
    assert "Showing 1 to 2 of 2 arrangements" in detail
    assert client.get("/service-areas/nowhere/").status_code == 404


def test_unknown_pages_are_styled_404s(client, register):
    response = client.get("/arrangements/no-such-thing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "govuk-generic-header" in response.content.decode()


def test_home_and_accessibility(client, register):
    home = client.get(reverse("register:home")).content.decode()
    assert ">4</a> arrangements recorded" in home
    statement = client.get(reverse("register:accessibility")).content.decode()
    assert "Accessibility statement for the Shared Services Register" in statement
    assert "Enforcement procedure" in statement


def test_csv_export_keeps_the_sort_order_and_every_service_area(client, register):
    rows = rows_of_csv(client.get(LIST, {"_export": "csv", "sort": "-title"}))
    titles = [row["Title"] for row in rows]
    assert titles == sorted(titles, reverse=True) and len(titles) == 4
    regulatory = next(row for row in rows if row["Title"] == "Regulatory services")
    assert regulatory["Service areas"] == "Building control; Licensing"
    assert regulatory["Lead authority"] == "" and regulatory["Start"] == ""
    by_partners = rows_of_csv(client.get(LIST, {"_export": "csv", "sort": "-partner_count"}))
    assert [row["Partners"] for row in by_partners][:1] == ["3"]
