"""The scrutiny briefing: its picker, its one-page summary and questions, partners named,
milestones past their date, numbered references in place of printed addresses, its
glossary, and the PDF made from it with WeasyPrint.

The PDF tests read the PDF back with pypdf. Where WeasyPrint cannot be imported (Pango's
libraries missing), they are skipped with the reason, never passed."""

import datetime
import html
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register import briefings, pdf
from register.dates import DatePrecision
from register.models import (
    Arrangement,
    Authority,
    AuthorityName,
    Membership,
    Milestone,
    Partnership,
    Saving,
    SavingsTarget,
    Source,
    Tier,
)
from tests.factories import body, make_arrangement

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

needs_pdf = pytest.mark.skipif(
    pdf.unavailable() is not None, reason=pdf.unavailable() or "WeasyPrint is available"
)

TODAY = datetime.date.today()


def text_of(response) -> str:
    """The page's words, without tags or repeated spaces."""
    page = re.sub(r"<[^>]+>", " ", body(response))
    page = re.sub(r"\s+([:.,;)])", r"\1", re.sub(r"\s+", " ", page))
    return html.unescape(page)


def main_of(response) -> str:
    page = body(response)
    return page[page.index("<main") : page.index("</main>")]


def pdf_pages(response) -> list[str]:
    """The text of each page of a PDF response."""
    import pypdf

    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


# --- A council with thirty arrangements -----------------------------------------------------

TITLES = [
    "Shared revenues and benefits service",
    "Joint procurement of highways maintenance",
    "Shared internal audit partnership",
    "Building control collaboration",
    "Joint waste collection contract",
    "Shared legal services team",
    "Joint commissioning of residential care placements",
    "Shared human resources and payroll transactions",
    "Joint emergency planning unit",
    "Shared ICT infrastructure and data centre",
    "Joint trading standards service",
    "Shared procurement hub",
    "Joint fostering recruitment campaign",
    "Shared environmental health team",
    "Joint licensing administration",
    "Shared customer contact centre",
    "Joint archive and records service",
    "Shared fraud investigation team",
    "Joint planning policy unit",
    "Shared insurance and risk management",
    "Joint school transport commissioning",
    "Shared pest control service",
    "Joint domestic abuse commissioning",
    "Shared translation and interpreting service",
    "Joint coroners service",
    "Shared grounds maintenance contract",
    "Joint adult learning programme",
    "Shared communications and design team",
    "Joint energy purchasing framework",
    "Shared occupational health service",
]


@pytest.fixture
def thirty(reference_data):
    """Thirtyshire, in 30 arrangements with four other councils (one renamed since its
    source, one abolished), each arrangement with two savings (its own, estimated for
    2012/13; the whole arrangement's, "over" and forecast), two milestones (one done, one
    still planned for a month that has passed), two barriers and a dated source; and a
    savings target."""
    md = Tier.objects.get(code="MD")
    nmd = Tier.objects.get(code="NMD")
    council = Authority.objects.create(code="THI", name="Thirtyshire", tier=md)
    others = [
        Authority.objects.create(code="NOR", name="Northby", tier=md),
        Authority.objects.create(code="EAS", name="Eastwick upon Trent", tier=nmd),
        Authority.objects.create(code="SOU", name="Southam Vale", tier=nmd),
        Authority.objects.create(
            code="WES", name="Westerland", tier=nmd, end_date=datetime.date(2023, 3, 31)
        ),
    ]
    successor = Authority.objects.create(code="WNC", name="West North Council", tier=md)
    others[3].successors.add(successor)
    AuthorityName.objects.create(
        authority=others[0],
        name="Old Northby",
        until=datetime.date(2018, 4, 1),
        source="A test of names through time.",
    )
    sources = [
        Source.objects.create(
            slug=f"paper-{n}",
            title=f"Shared services progress report {n}",
            issuing_body="Thirtyshire Council",
            meeting="Overview and Scrutiny Committee",
            date=datetime.date(2012, 3, 1 + n),
            url=f"https://thirtyshire.example.gov.uk/papers/shared-services-{n}.pdf",
        )
        for n in range(3)
    ]
    SavingsTarget.objects.create(authority=council, financial_year=2012, amount=Decimal(2_000_000))
    for n, title in enumerate(TITLES):
        lead = others[n % 4]
        arrangement = make_arrangement(
            title,
            members=[lead, council, *[o for o in others if o != lead][:2]],
            lead=lead,
            status=["operational", "in_development", "procurement", "proposed", "not_pursued"][
                n % 5
            ],
            barriers=[
                "Different systems in each council, with contracts ending at different times.",
                "Members want the service to stay responsive to local priorities.",
            ],
        )
        arrangement.sources.add(sources[n % 3])
        Saving.objects.create(
            arrangement=arrangement,
            authority=council,
            amount=Decimal(10_000 + 1_000 * n),
            basis="estimated",
            period="financial_year",
            financial_year=2012,
            source=sources[n % 3],
        )
        Saving.objects.create(
            arrangement=arrangement,
            amount=Decimal(100_000),
            qualifier="over",
            basis="forecast",
            source=sources[n % 3],
        )
        Milestone.objects.create(
            arrangement=arrangement,
            title="Business case agreed by the partners' cabinets",
            date=datetime.date(2011, 10, 1),
            date_precision=DatePrecision.MONTH,
            status="done",
        )
        Milestone.objects.create(
            arrangement=arrangement,
            title="Service goes live",
            date=datetime.date(2012, 4, 1),
            date_precision=DatePrecision.MONTH,
        )
    return council


def test_a_long_briefing_describes_the_largest_and_counts_them_all(client, thirty, monkeypatch):
    def summary(response):
        page = text_of(response)
        section = page[page.index("1. Summary") : page.index("2. The arrangements")]
        return re.sub(r"\[\d+\]", "", section)  # reference numbers shift with fewer pages

    whole = client.get("/summary/briefing/?authority=THI")
    assert 'id="described-note"' not in body(whole)
    monkeypatch.setattr(briefings, "DESCRIBED_MAX", 5)
    bounded = client.get("/summary/briefing/?authority=THI")
    page = body(bounded)
    assert page.count('class="app-briefing__arrangement"') == 5
    assert "This briefing describes 5 of the 30 arrangements" in text_of(bounded)
    # Going ahead (operational, in development, procurement: n % 5 < 3) first, then the
    # largest savings: each saves 110,000 + 1,000 n at least, so the highest n first.
    going = sorted((n for n in range(30) if n % 5 < 3), reverse=True)[:5]
    described = re.findall(
        r'<h3 class="govuk-heading-s"><a class="govuk-link" href="[^"]+">([^<]+)</a>', page
    )
    assert described == sorted(TITLES[n] for n in going)
    # The summary and its questions still count all thirty.
    assert summary(bounded) == summary(whole)
    assert "named in 30 arrangements" in summary(bounded)


@needs_pdf
def test_a_council_with_thirty_arrangements_fits_four_a4_pages(client, thirty):
    response = client.get("/summary/briefing/", {"authority": "THI", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="briefing-thi-')
    pages = pdf_pages(response)
    print(f"Thirtyshire, 30 arrangements: {len(pages)} pages")
    assert len(pages) <= 4, f"{len(pages)} pages"
    # Page 1 is the summary, whole; the detail starts on page 2.
    first = pages[0]
    assert "Shared services: Thirtyshire" in first
    assert "Questions to ask" in first and "Headline figures" in first
    assert "2. The arrangements" not in first
    assert pages[1].lstrip().startswith("2. The arrangements")
    # The last question is on page 1 too.
    assert "Have they been overcome?" in first or "Has a decision been made" in first


@needs_pdf
def test_the_pdf_says_what_the_page_says(client, thirty):
    pages = pdf_pages(client.get("/summary/briefing/?authority=THI&format=pdf"))
    text = " ".join(pages)
    assert f"Briefing for scrutiny, {TODAY.day} {TODAY:%B %Y}" in text
    assert "Thirtyshire" in text
    # The headline figures: its own savings of arrangements going ahead (18 of the 30),
    # and apart from them the whole-arrangement figures, which are "over" so "at least".
    own = sum(10_000 + 1_000 * n for n in range(30) if n % 5 in (0, 1, 2))
    assert f"Thirtyshire's own savings, of arrangements going ahead: £{own:,}" in text
    assert "not Thirtyshire's alone and are not added to its own: at least £1,800,000" in text
    # Links print as reference numbers; the sources list gives the number's address.
    assert "Shared revenues and benefits service [" in text
    assert "[1] Shared services progress report 0. Thirtyshire Council, Overview and " in text
    unbroken = re.sub(r"\s", "", text)  # a long address wraps over lines
    assert "https://thirtyshire.example.gov.uk/papers/shared-services-0.pdf" in unbroken
    assert "http://testserver/arrangements/?authority=THI" in unbroken
    # No address is printed after a link's text.
    assert "(/arrangements/" not in text and "(http" not in text
    assert "Planned for April 2012 — no update recorded since" in text


@needs_pdf
@pytest.mark.parametrize("query", ["authority=CLD", "partnership=awya"])
def test_the_seed_briefings_fit_four_a4_pages(client, seeded, query):  # noqa: F811
    response = client.get(f"/summary/briefing/?{query}&format=pdf")
    pages = pdf_pages(response)
    print(f"{query}: {len(pages)} pages")
    assert len(pages) <= 4
    assert "Questions to ask" in pages[0] and "2. The arrangements" not in pages[0]
    assert "Planned for April 2012 — no update recorded since 5 April 2012" in " ".join(pages)


def test_the_pdf_fetches_only_the_registers_own_static_files():
    if pdf.unavailable():
        pytest.skip(pdf.unavailable())
    fetcher = pdf.fetcher("http://testserver/")
    css = fetcher.fetch("http://testserver/static/build/app.css")
    assert b".govuk-link" in css.read() and css.content_type == "text/css"
    for url in (
        "https://fonts.example.com/arial.woff2",
        "http://testserver/arrangements/",
        "http://elsewhere.example/static/build/app.css",
        "http://testserver/static/../sharedservices/settings.py",
        "http://testserver/static/%2e%2e/sharedservices/settings.py",
        "file:///etc/passwd",
    ):
        with pytest.raises(pdf.Refused):
            fetcher.fetch(url)


@needs_pdf
def test_making_a_pdf_opens_no_network_connection(monkeypatch):
    import socket

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("no network in a PDF")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
        '<link rel="stylesheet" href="/static/build/app.css"></head><body>'
        '<p class="govuk-body">Hello</p><img src="http://example.org/a.png" alt="">'
        "</body></html>"
    )
    content = pdf.html_to_pdf(page, "http://testserver/")
    assert content.startswith(b"%PDF") and attempts == []


def test_a_missing_weasyprint_is_a_reason_to_skip_not_an_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it could not be imported
    assert pdf.unavailable.__wrapped__().startswith("WeasyPrint cannot be imported (")


def test_without_weasyprint_the_page_offers_no_pdf(client, register, monkeypatch):
    monkeypatch.setattr(pdf, "unavailable", lambda: "WeasyPrint cannot be imported (test)")
    page = body(client.get("/summary/briefing/?authority=ALP"))
    assert "format=pdf" not in page and "Download this briefing as a PDF" not in page
    response = client.get("/summary/briefing/?authority=ALP&format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "This server cannot make PDFs" in body(response)


def test_a_briefing_too_long_for_a_pdf_says_so(client, register, monkeypatch):
    monkeypatch.setattr(pdf, "unavailable", lambda: None)
    monkeypatch.setattr(briefings, "PDF_MAX_ARRANGEMENTS", 2)
    page = body(client.get("/summary/briefing/?authority=ALP"))  # in 3 arrangements
    assert "format=pdf" not in page
    assert "A PDF is made of briefings of up to 2 arrangements; this one has 3." in page
    response = client.get("/summary/briefing/?authority=ALP&format=pdf")
    assert response["Content-Type"].startswith("text/html")
    assert "A PDF is made of briefings of up to 2 arrangements" in body(response)
    assert "format=pdf" in body(client.get("/summary/briefing/?authority=GAM"))  # in 2


def test_with_weasyprint_the_page_offers_the_pdf(client, register, monkeypatch):
    monkeypatch.setattr(pdf, "unavailable", lambda: None)
    page = body(client.get("/summary/briefing/?authority=ALP"))
    assert 'href="/summary/briefing/?authority=ALP&amp;format=pdf" download' in page


# --- The page -------------------------------------------------------------------------------


def test_the_summary_comes_first_and_asks_the_questions(client, thirty):
    page = text_of(client.get("/summary/briefing/?authority=THI"))
    summary = page[page.index("1. Summary") : page.index("2. The arrangements")]
    assert "Thirtyshire (Metropolitan district) is named in 30 arrangements" in summary
    assert "Going ahead: 18" in summary and "Not yet decided: 6" in summary
    assert "Headline totals count savings only of arrangements" in summary
    assert "never added together" in summary
    assert "30 planned milestones are past their date with no update recorded" in summary
    assert "Thirtyshire's savings targets: £2,000,000 in 2012/13" in summary
    assert "6 ideas are still proposed or under consideration" in summary
    assert "Have they been overcome?" in summary


def test_partners_are_named_with_their_names_then_and_now(client, thirty):
    page = text_of(client.get("/summary/briefing/?authority=THI"))
    # The sources are of 2012, when Northby was Old Northby; Westerland was abolished.
    assert "Lead: Old Northby (now Northby)." in page
    assert "Westerland (abolished 2023; succeeded by West North Council)" in page
    assert "Thirtyshire: partner" in page
    assert "Eastwick upon Trent" in page


def test_a_partnership_briefing_names_its_members_and_leads(client, register):
    page = text_of(client.get("/summary/briefing/?partnership=northern"))
    assert "Members: Alphaton and Betaford." in page
    assert "Led by Alphaton (1) and Betaford (1)." in page
    assert "Lead: Alphaton. Partner: Betaford." in page


@pytest.mark.parametrize(
    ("date", "precision", "status", "expected"),
    [
        ("2012-04-01", "month", "planned", "Planned for April 2012 — no update recorded since"),
        ("2012-03-01", "season", "planned", "Planned for spring 2012 — no update recorded since"),
        ("2012-01-01", "year", "planned", "Planned for 2012 — no update recorded since"),
        ("2012-03-19", "day", "planned", "Planned for 19 March 2012 — no update recorded since"),
        ("2012-04-01", "month", "done", "Done, April 2012"),
        ("2012-04-01", "month", "missed", "Missed, April 2012"),
        (None, "day", "planned", "Planned, no date given"),
    ],
)
def test_milestone_progress(date, precision, status, expected):
    milestone = Milestone(
        title="Go live",
        date=datetime.date.fromisoformat(date) if date else None,
        date_precision=precision,
        status=status,
    )
    assert briefings.milestone_progress(milestone, TODAY).startswith(expected)


@pytest.mark.parametrize(
    ("as_of", "overdue"),
    [
        # A month, a season or a year is not past until its last day has gone.
        ("2012-04-30", False),
        ("2012-05-01", True),
    ],
)
def test_a_milestone_is_past_only_when_the_whole_period_is(as_of, overdue):
    milestone = Milestone(title="Go live", date=datetime.date(2012, 4, 1), date_precision="month")
    progress = briefings.milestone_progress(
        milestone, datetime.date.fromisoformat(as_of), "5 April 2012"
    )
    assert briefings.is_overdue(milestone, datetime.date.fromisoformat(as_of)) is overdue
    expected = (
        "Planned for April 2012 — no update recorded since 5 April 2012"
        if overdue
        else "Planned for April 2012"
    )
    assert progress == expected
    spring = Milestone(title="Go live", date=datetime.date(2012, 3, 1), date_precision="season")
    assert not briefings.is_overdue(spring, datetime.date(2012, 5, 31))
    assert briefings.is_overdue(spring, datetime.date(2012, 6, 1))


def test_milestones_past_their_date_say_so_on_the_page(client, register):
    future = TODAY.replace(year=TODAY.year + 1)
    Milestone.objects.create(arrangement=register.fostering, title="Review", date=future)
    page = text_of(client.get("/summary/briefing/?authority=GAM"))
    # Its sources are not dated, so nothing is recorded since the day it names.
    assert "Planned for 19 March 2012 — no update recorded since then: Market engagement" in page
    assert "Planned for April 2012 — no update recorded since then: Commence tender" in page
    assert f"Planned for {future.day} {future:%B %Y}: Review" in page


def test_links_carry_reference_numbers_and_the_list_gives_their_addresses(client, thirty):
    page = main_of(client.get("/summary/briefing/?authority=THI"))
    assert "app-print-url" not in page
    references = page[page.index('id="briefing-sources"') :]
    text = page[page.index('<div class="app-briefing">') : page.index('id="briefing-sources"')]
    # Every link in the text, other than to a source in the list, carries the number
    # of an entry in the list, which gives its full address.
    entries = dict(re.findall(r'<li id="ref-(\d+)">\[\d+\] (.*?)</li>', references))
    linked = re.findall(
        r'<a class="govuk-link" href="([^"#]+)">[^<]*</a>(?:, with [^<]*)?'
        r'<span class="app-print-ref"> \[(\d+)\]</span>',
        text,
    )
    links_in_text = re.findall(r'<a class="govuk-link" href="([^"#][^"]*)"', text)
    assert len(linked) == len(links_in_text) > 30
    for href, number in linked:
        assert f"http://testserver{html.unescape(href)}" in html.unescape(entries[number])
    # Sources come first, each with its body, date and address.
    assert entries["1"].startswith(
        "Shared services progress report 0. Thirtyshire Council, Overview and Scrutiny "
        "Committee. 1 March 2012. "
    )
    assert "https://thirtyshire.example.gov.uk/papers/shared-services-0.pdf" in entries["1"]
    assert "Pages of the Shared Services Register, as on" in references


def test_no_print_style_appends_link_addresses():
    scss = (ROOT / "static/src/_register.scss").read_text()
    assert "attr(href)" not in scss and "app-print-url" not in scss
    templates = "".join(p.read_text() for p in (ROOT / "templates").rglob("*.html"))
    assert "app-print-url" not in templates
    # GOV.UK Frontend's own rule, which appends a link's address, is undone for print.
    assert ".govuk-link[href]::after" in scss


def test_the_glossary_explains_the_terms(client, register):
    page = text_of(client.get("/summary/briefing/?authority=ALP"))
    # On the summary page, where the headline figures use them.
    glossary = page[page.index("Terms used") : page.index("2. The arrangements")]
    for term in (
        "Estimated",
        "Forecast",
        "Achieved",
        "Target",
        "Own, whole-arrangement",
        "Joining, prospective",
        '"At least", "up to", "about"',
        "Going ahead",
        "Exempt",
    ):
        assert term in glossary, term
    assert "This briefing leaves out every exempt arrangement." in glossary


def test_a_viewer_is_told_the_briefing_includes_exempt_arrangements(client, register, viewer):
    client.force_login(viewer)
    page = text_of(client.get("/summary/briefing/?authority=DEL"))
    assert "Confidential waste deal" in page and "Exempt" in page
    assert "This briefing includes exempt arrangements" in page
    client.logout()
    page = text_of(client.get("/summary/briefing/?authority=DEL"))
    assert "Confidential waste deal" not in page


# --- The picker -----------------------------------------------------------------------------


def test_the_picker_offers_every_council_taking_part_and_every_other(client, register):
    Authority.objects.create(code="ZED", name="Zedford", tier=Tier.objects.get(code="NMD"))
    response = client.get("/summary/briefing/")
    page = body(response)
    assert response.status_code == 200
    taking_part, others = page.split('<optgroup label="Every other authority">')
    assert '<option value="ALP">Alphaton (3)</option>' in taking_part
    # Deltaby takes part in two visible arrangements (and one exempt one, not counted).
    assert '<option value="DEL">Deltaby (2)</option>' in taking_part
    assert '<option value="ZED">Zedford</option>' in others
    assert '<label class="govuk-label govuk-label--m" for="briefing-authority">' in page
    assert 'aria-describedby="briefing-authority-hint"' in page
    assert '<option value="northern">Northern partners (2)</option>' in page
    # Choosing one gives its briefing.
    assert "Shared services: Alphaton" in body(client.get("/summary/briefing/?authority=ALP"))
    assert "Shared services: Alphaton" in body(client.get("/summary/briefing/?authority=alp"))


def test_an_unknown_council_gets_the_picker_with_an_error(client, register):
    response = client.get("/summary/briefing/", {"authority": "XYZ"})
    assert response.status_code == 404
    page = body(response)
    assert "There is a problem" in page and "<title>Error: " in page
    assert "No council in the register has the code or name “XYZ”" in page
    assert 'id="briefing-authority-error"' in page
    assert 'aria-describedby="briefing-authority-hint briefing-authority-error"' in page
    assert '<select class="govuk-select govuk-select--error"' in page
    # An empty choice asks for one, as a page rather than an error status.
    response = client.get("/summary/briefing/", {"authority": ""})
    assert response.status_code == 200 and "Choose a council" in body(response)
    assert 'id="briefing-authority-error"' in body(response)
    response = client.get("/summary/briefing/", {"partnership": "nowhere"})
    assert response.status_code == 404 and 'id="briefing-partnership-error"' in body(response)


def test_a_council_can_be_asked_for_by_name(client, register):
    assert "Shared services: Betaford" in body(client.get("/summary/briefing/?authority=betaford"))


def test_every_authority_page_links_to_its_briefing(client, register):
    page = body(client.get("/authorities/ALP/"))
    assert 'href="/summary/briefing/?authority=ALP"' in page


# --- Queries --------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/summary/briefing/?authority=ALP",
        "/summary/briefing/?authority=BET",
        "/summary/briefing/?partnership=bigger",
        "/summary/briefing/",
    ],
)
def test_the_briefing_runs_the_same_queries_whatever_its_size(client, register, url):
    from tests.browse.test_query_counts import build

    partnership = Partnership.objects.create(name="Bigger", slug="bigger")
    partnership.members.set([register.alpha, register.beta])
    Arrangement.objects.filter(pk=register.legal.pk).update(partnership=partnership)
    small = count_queries(client, url)
    programme = build(40, register)
    Arrangement.objects.filter(parent=programme).update(partnership=partnership)
    for arrangement in Arrangement.objects.filter(parent=programme)[:10]:
        arrangement.barriers = ["A barrier"]
        arrangement.save()
        arrangement.sources.add(Source.objects.create(slug=f"s-{arrangement.pk}", title="Paper"))
        Membership.objects.filter(arrangement=arrangement, authority=register.beta).update(
            role="joining"
        )
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    "query",
    [
        "authority=ALP&authority=BET",
        "authority=ALP&partnership=northern",
        "partnership=a&partnership=b",
    ],
)
def test_a_briefing_on_two_subjects_asks_which_rather_than_choosing(client, register, query):
    response = client.get(f"/summary/briefing/?{query}")
    page = text_of(response)
    assert "A briefing is on one council or one partnership: choose one" in page
    assert response.context["subject"] is None


def test_an_unknown_format_says_so_and_a_capital_pdf_is_a_pdf(client, register, monkeypatch):
    response = client.get("/summary/briefing/?authority=ALP&format=docx")
    assert response.status_code == 400
    assert "There is no “docx” version of a briefing" in text_of(response)
    monkeypatch.setattr(pdf, "unavailable", lambda: "WeasyPrint cannot be imported (test)")
    assert "This server cannot make PDFs" in text_of(
        client.get("/summary/briefing/?authority=ALP&format=PDF")
    )


def test_a_role_outside_the_choices_is_shown_as_stored_not_an_error(client, register):
    """The database does not limit a membership's role to the choices (an import or an
    old backup may hold another): the briefing names it as stored."""
    Membership.objects.filter(arrangement=register.fostering, authority=register.gamma).update(
        role="member"
    )
    response = client.get("/summary/briefing/?authority=GAM")
    assert response.status_code == 200
    assert "Gammashire: member" in text_of(response)


def test_overdue_milestones_are_counted_even_when_the_earliest_is_gone(register):
    """The earliest overdue milestone is read after the count: removed in between, the
    question still counts them, without naming it."""
    import dataclasses

    from django.contrib.auth.models import AnonymousUser

    b = briefings.briefing(AnonymousUser(), authority=register.gamma, today=TODAY)
    assert b.overdue == 2 and b.first_overdue is not None
    asked = briefings.questions(dataclasses.replace(b, first_overdue=None), register.gamma, "x", [])
    findings = [q.finding for q in asked]
    assert "2 planned milestones are past their date with no update recorded." in findings
