"""The read-only JSON API: the list pages' filters, the pages' exempt rule, figures that
keep their qualifiers and say whose they are, cursor pages, the anonymous rate limit, and
405 for anything but reading."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from register.models import Saving
from tests.factories import UserFactory, body, make_arrangement

pytestmark = pytest.mark.django_db


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:500])
    return response.json()


def every_row(client, url):
    """Every result of a list, following its cursor pages."""
    rows = []
    while url:
        page = get(client, url)
        rows += page["results"]
        url = page["next"]
    return rows


def page_titles(client, query):
    """The titles of the list page's rows for the same query (its CSV download)."""
    text = body(client.get(f"/arrangements/?{query}&_export=csv"))
    return {row["Title"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=operational",
        "status=procurement&status=in_development",
        "service_area=corporate",
        "service_area=fostering",
        "authority=BET",
        "authority=ALP&role=lead",
        "tier_level=upper",
        "region=wales",
        "partnership=northern",
        "has_savings=yes",
        "savings_min=60000",
        "financial_year=2012/13&saving_basis=achieved",
        "open_to_members=yes",
        "q=legal",
        "parent={legal}",
        "kind=joint_procurement&status=procurement",
    ],
)
def test_a_filter_means_what_it_means_on_the_list_page(client, register, query):
    query = query.format(legal=register.legal.slug)
    rows = every_row(client, f"/api/v1/arrangements/?{query}")
    assert {row["title"] for row in rows} == page_titles(client, query)


def test_the_savings_list_holds_the_savings_of_the_arrangements_the_same_query_lists(
    client, register
):
    rows = every_row(client, "/api/v1/savings/?service_area=legal")
    expected = Saving.objects.filter(
        arrangement__in=[register.legal, register.workstream]
    ).values_list("pk", flat=True)
    assert sorted(row["id"] for row in rows) == sorted(expected)


# --- Exempt arrangements -------------------------------------------------------------


def everything_said(client, register):
    """What every endpoint answers, as one text, and the status of each detail address."""
    secret = register.secret
    saving = secret.savings.get()
    texts = [
        *(
            str(every_row(client, url))
            for url in (
                "/api/v1/arrangements/",
                "/api/v1/arrangements/?q=confidential",
                "/api/v1/arrangements/?service_area=waste",
                "/api/v1/savings/",
                "/api/v1/authorities/",
                "/api/v1/service-areas/",
            )
        ),
        *(
            client.get(url).content.decode()
            for url in (
                "/api/v1/authorities/DEL/",
                "/api/v1/service-areas/waste/",
                "/api/v1/summaries/",
                "/api/v1/summaries/tiers/",
                "/api/v1/summaries/service-areas/",
                "/api/v1/summaries/regions/",
                "/api/v1/summaries/savings/",
            )
        ),
    ]
    details = {
        "arrangement": client.get(f"/api/v1/arrangements/{secret.slug}/").status_code,
        "saving": client.get(f"/api/v1/savings/{saving.pk}/").status_code,
    }
    return "\n".join(texts), details


def test_the_public_never_sees_an_exempt_arrangement_or_its_savings(client, register):
    said, details = everything_said(client, register)
    assert register.secret.slug not in said
    assert "Confidential waste deal" not in said
    assert "'amount': '5000.00'" not in said  # its only saving
    assert details == {"arrangement": 404, "saving": 404}
    waste = get(client, "/api/v1/service-areas/waste/")
    assert waste["arrangement_count"] == 0
    deltaby = get(client, "/api/v1/authorities/DEL/")
    assert deltaby["arrangement_count"] == 2  # fostering and regulatory, not the secret
    assert {r["role"]: r["count"] for r in deltaby["roles"]}["lead"] == 0
    assert get(client, "/api/v1/summaries/")["arrangements"] == 4


def test_a_viewer_sees_exempt_arrangements_as_the_pages_show_them(client, register, viewer):
    client.force_login(viewer)
    said, details = everything_said(client, register)
    assert register.secret.slug in said
    assert "'amount': '5000.00'" in said
    assert details == {"arrangement": 200, "saving": 200}
    assert get(client, "/api/v1/service-areas/waste/")["arrangement_count"] == 1
    deltaby = get(client, "/api/v1/authorities/DEL/")
    assert deltaby["arrangement_count"] == 3
    assert get(client, "/api/v1/summaries/")["arrangements"] == 5


def test_a_viewer_role_sees_them_too(client, register):
    call_command("setup_roles", stdout=io.StringIO())
    client.force_login(UserFactory(roles=["Viewer"]))
    slugs = {row["slug"] for row in every_row(client, "/api/v1/arrangements/")}
    assert register.secret.slug in slugs


def test_an_exempt_programme_is_not_named_by_its_public_workstreams(client, register, viewer):
    programme = make_arrangement("Secret programme", members=[register.alpha], exempt=True)
    make_arrangement("Open workstream", members=[register.alpha], parent=programme)
    rows = every_row(client, "/api/v1/arrangements/?q=open workstream")
    assert [row["parent"] for row in rows] == [None]
    detail = get(client, f"/api/v1/arrangements/{rows[0]['slug']}/")
    assert detail["parent"] is None
    client.force_login(viewer)
    rows = every_row(client, "/api/v1/arrangements/?q=open workstream")
    assert [row["parent"] for row in rows] == [programme.slug]


def test_a_programme_whose_workstreams_are_all_exempt_is_answered_as_one_with_none(
    client, register, viewer
):
    """Were the first an empty 200 and the second a 400, the public would learn that
    hidden workstreams exist."""
    hiding = make_arrangement("Hiding programme", members=[register.alpha])
    make_arrangement("Hidden workstream", members=[register.alpha], parent=hiding, exempt=True)
    childless = make_arrangement("Childless programme", members=[register.alpha])

    def answer(programme):
        response = client.get(f"/api/v1/arrangements/?parent={programme.slug}")
        return response.status_code, response.content.decode().replace(programme.slug, "X")

    assert answer(hiding) == answer(childless)
    assert answer(hiding)[0] == 400
    client.force_login(viewer)
    rows = every_row(client, f"/api/v1/arrangements/?parent={hiding.slug}")
    assert [row["title"] for row in rows] == ["Hidden workstream"]


# --- Figures keep their qualifiers and say whose they are ------------------------------


def test_an_over_figure_is_open_ended_and_keeps_its_words(client, register):
    fostering = get(client, f"/api/v1/arrangements/{register.fostering.slug}/")
    assert fostering["savings_recorded"]["text"] == "at least £700,000"
    assert fostering["savings_recorded"]["at_least"] == "700000.00"
    assert fostering["savings_recorded"]["at_most"] is None
    assert fostering["savings_recorded"]["open_ended"] is True
    (saving,) = fostering["savings"]
    assert saving["qualifier"] == "over"
    assert saving["text"].startswith("over £700,000")
    assert saving["whose"] == "whole_arrangement"
    assert saving["authority"] is None
    assert saving["counts_in_headline"] is True  # procurement under way: going ahead


def test_a_percentage_is_counted_never_added_to_pounds(client, register):
    workstream = get(client, f"/api/v1/arrangements/{register.workstream.slug}/")
    figure = workstream["savings_recorded"]
    assert figure["money_figures"] == 0
    assert figure["percentage_figures"] == 1
    assert figure["at_least"] == "0.00"
    (saving,) = workstream["savings"]
    assert saving["amount"] is None
    assert saving["percentage"] == "35.00"
    assert saving["qualifier"] == "up_to"
    assert saving["counts_in_headline"] is False  # no money figure to count


def test_targets_and_ideas_not_going_ahead_never_count_in_a_headline(client, register):
    legal = get(client, f"/api/v1/arrangements/{register.legal.slug}/")
    counted = {s["basis"]: s["counts_in_headline"] for s in legal["savings"]}
    assert counted == {"estimated": True, "achieved": True, "target": False}
    Saving.objects.create(arrangement=register.regulatory, amount=Decimal("10"), basis="estimated")
    regulatory = get(client, f"/api/v1/arrangements/{register.regulatory.slug}/")
    assert regulatory["savings_count_in_headline"] is False
    assert [s["counts_in_headline"] for s in regulatory["savings"]] == [False]


def test_an_authoritys_own_savings_are_kept_apart_from_its_partnerships(client, register):
    Saving.objects.create(
        arrangement=register.legal,
        authority=register.alpha,
        amount=Decimal("2000"),
        basis="achieved",
    )
    alpha = get(client, "/api/v1/authorities/ALP/")
    own, whole = alpha["savings"]["own"], alpha["savings"]["whole_arrangements"]
    assert own["going_ahead"]["text"] == "£2,000"
    # The legal team's £100,000 and £50,000 and the fostering framework's "over £700,000"
    # belong to the whole partnerships Alphaton takes part in, never to it alone.
    assert whole["going_ahead"]["at_least"] == "850000.00"
    assert whole["going_ahead"]["open_ended"] is True
    mine = [
        row
        for row in every_row(client, "/api/v1/savings/?authority=ALP")
        if row["whose"] == "authority"
    ]
    assert [(row["authority"]["code"], row["amount"]) for row in mine] == [("ALP", "2000.00")]
    assert mine[0]["whose_text"] == "Alphaton's own"


def test_the_headline_is_the_pages_headline(client, register):
    totals = get(client, "/api/v1/summaries/?status=operational&status=procurement")
    assert totals["narrowing"] == [
        {"parameter": "status", "value": "operational"},
        {"parameter": "status", "value": "procurement"},
    ]
    assert totals["arrangements"] == 2
    assert totals["headline"]["text"].startswith("at least £850,000")
    page = client.get("/summary/?status=operational&status=procurement").content.decode()
    assert "£850,000" in page


# --- Identifiers -------------------------------------------------------------------------


def test_authorities_carry_their_gss_code_and_org_id(client, authorities):
    calderdale = get(client, "/api/v1/authorities/cld/")
    assert calderdale["gss_code"] == "E08000033"
    assert calderdale["org_id"] == "GB-LAE-CLD"
    assert get(client, "/api/v1/authorities/AGY/")["org_id"] == "GB-PLA-AGY"
    found = every_row(client, "/api/v1/authorities/?name=calderdale")
    assert [(a["code"], a["org_id"]) for a in found] == [("CLD", "GB-LAE-CLD")]


# --- Pages, errors, methods, rate ----------------------------------------------------------


def test_cursor_pages_hold_every_row_once_in_the_order_added(client, register):
    rows = every_row(client, "/api/v1/arrangements/?page_size=2")
    ids = [register.legal, register.workstream, register.fostering, register.regulatory]
    assert [row["slug"] for row in rows] == [a.slug for a in sorted(ids, key=lambda a: a.pk)]
    first = get(client, "/api/v1/arrangements/?page_size=2")
    assert len(first["results"]) == 2
    assert first["previous"] is None
    second = get(client, first["next"])
    assert get(client, second["previous"])["results"] == first["results"]


def test_a_page_is_at_most_200_rows(client, register):
    from register.api.pagination import RegisterCursorPagination

    assert RegisterCursorPagination.max_page_size == 200
    rows = get(client, "/api/v1/service-areas/?page_size=200")["results"]
    assert len(rows) == 48  # the whole taxonomy, fewer than 200
    assert len(get(client, "/api/v1/service-areas/?page_size=1")["results"]) == 1
    assert len(get(client, "/api/v1/service-areas/?page_size=")["results"]) == 48  # default 50


@pytest.mark.parametrize("size", ["100000", "201", "0", "-1", "abc", "2.5", "1e3", "5_0", "٣"])
def test_a_page_size_out_of_range_or_not_a_whole_number_is_a_400_saying_so(client, register, size):
    """It fell back to 50 in silence: a client asking for 500 got 50 and could not tell."""
    answer = get(client, f"/api/v1/arrangements/?page_size={size}", status=400)
    assert answer["errors"]["page_size"] == [
        f"Give a whole number of results a page from 1 to 200 (50 if left out), not ‘{size}’."
    ]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/arrangements/?partnership=northern&partnership=southern", "partnership"),
        ("/api/v1/arrangements/?partnership=northern&partnership=northern", "partnership"),
        ("/api/v1/arrangements/?q=legal&q=waste", "q"),
        ("/api/v1/arrangements/?has_savings=yes&has_savings=no", "has_savings"),
        ("/api/v1/savings/?savings_min=1&savings_min=2", "savings_min"),
        ("/api/v1/authorities/?participating=yes&participating=no", "participating"),
        ("/api/v1/summaries/?partnership=northern&partnership=southern", "partnership"),
        ("/api/v1/arrangements/?page_size=2&page_size=3", "page_size"),
        ("/api/v1/service-areas/?cursor=a&cursor=b", "cursor"),
    ],
)
def test_a_single_value_parameter_given_twice_is_a_400_not_a_silent_pick(
    client, register, url, parameter
):
    answer = get(client, url, status=400)
    assert list(answer["errors"]) == [parameter]
    assert answer["errors"][parameter][0].startswith("Give one value only: it was given 2 times")


def test_a_many_value_filter_given_twice_and_a_blank_repeat_are_taken(client, register):
    rows = every_row(client, "/api/v1/arrangements/?status=operational&status=procurement")
    assert rows
    rows = every_row(client, "/api/v1/arrangements/?partnership=northern&partnership=")
    assert {row["title"] for row in rows} == page_titles(client, "partnership=northern")


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/arrangements/?status=nonsense", "status"),
        ("/api/v1/arrangements/?savings_min=-5", "savings_min"),
        ("/api/v1/arrangements/?financial_year=next%20year", "financial_year"),
        ("/api/v1/arrangements/?service_area=no-such-area", "service_area"),
        ("/api/v1/arrangements/?role=lead", "role"),
        ("/api/v1/savings/?authority=ZZZ", "authority"),
        ("/api/v1/authorities/?tier_level=middle", "tier_level"),
        ("/api/v1/summaries/regions/?start_year_min=3000", "start_year_min"),
    ],
)
def test_bad_input_is_a_400_that_names_it(client, register, url, parameter):
    answer = get(client, url, status=400)
    assert parameter in answer["errors"]
    assert parameter in answer["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/arrangements/?q=a%00b",
        "/api/v1/summaries/tiers/?service_area=%00",
        "/api/v1/authorities/?participating=%C3%B6%00",
    ],
)
def test_a_nul_character_is_a_json_400(client, register, url):
    answer = get(client, url, status=400)
    assert "NUL" in answer["detail"]


def test_a_made_up_cursor_or_record_is_a_404(client, register):
    assert "cursor" in get(client, "/api/v1/arrangements/?cursor=bm9uc2Vuc2U", 404)["detail"]
    assert get(client, "/api/v1/arrangements/no-such-thing/", 404)["detail"]
    assert get(client, "/api/v1/authorities/QQQQ/", 404)["detail"]
    assert get(client, "/api/v1/savings/999999/", 404)["detail"]
    # A cursor made by hand whose position is not an id (base64 of "p=abc", "p=%00"):
    # it reached the database, a server error.
    for forged in ("cD1hYmM%3D", "cD0lMDA%3D", "cD0xLjU%3D"):
        for url in ("/api/v1/arrangements/", "/api/v1/savings/", "/api/v1/authorities/"):
            assert "cursor" in get(client, f"{url}?cursor={forged}", 404)["detail"].lower()
    # Addresses no route matches under /api/ are answered in JSON too.
    assert get(client, "/api/v1/savings/0.5/", 404)["detail"]
    assert get(client, "/api/v2/", 404)["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/arrangements/",
        "/api/v1/arrangements/{slug}/",
        "/api/v1/authorities/ALP/",
        "/api/v1/service-areas/legal/",
        "/api/v1/savings/",
        "/api/v1/summaries/",
    ],
)
def test_the_api_is_read_only(client, register, viewer, method, url):
    viewer.is_superuser = True
    viewer.save()
    client.force_login(viewer)
    url = url.format(slug=register.legal.slug)
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert register.legal.__class__.objects.filter(pk=register.legal.pk).exists()


def test_anonymous_clients_are_throttled_through_the_cache(client, register, settings, viewer):
    settings.API_ANON_RATE = "3/minute"
    for _ in range(3):
        get(client, "/api/v1/service-areas/")
    refused = client.get("/api/v1/service-areas/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]
    # Another X-Forwarded-For, which any client can send, is not another client.
    forged = client.get("/api/v1/service-areas/", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert forged.status_code == 429
    client.force_login(viewer)  # signed-in users are not throttled
    get(client, "/api/v1/service-areas/")


def test_the_docs_page_is_only_read(client):
    assert client.options("/api/docs/").status_code == 405
    assert client.post("/api/docs/").status_code == 405


def test_the_rate_comes_from_the_environment(monkeypatch):
    import subprocess
    import sys

    code = "import sharedservices.settings as s; print(s.API_ANON_RATE)"
    env = {"DJANGO_SETTINGS_MODULE": "sharedservices.settings", "PATH": "/usr/bin:/bin"}
    given = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "API_ANON_RATE": "10/hour"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert given.stdout.strip() == "10/hour"
    refused = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "API_ANON_RATE": "lots"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "API_ANON_RATE must be like 120/minute" in refused.stderr


# --- Schema and documentation -----------------------------------------------------------


def test_the_schema_is_openapi_3_and_names_every_endpoint(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/arrangements/",
        "/api/v1/arrangements/{slug}/",
        "/api/v1/authorities/",
        "/api/v1/authorities/{code}/",
        "/api/v1/service-areas/",
        "/api/v1/service-areas/{slug}/",
        "/api/v1/savings/",
        "/api/v1/savings/{id}/",
        "/api/v1/summaries/",
        "/api/v1/summaries/tiers/",
        "/api/v1/summaries/service-areas/",
        "/api/v1/summaries/regions/",
        "/api/v1/summaries/savings/",
    }
    # Every path is read only.
    assert {method for path in schema["paths"].values() for method in path} == {"get"}
    # The list's filters are the FilterSet's.
    parameters = {p["name"] for p in schema["paths"]["/api/v1/arrangements/"]["get"]["parameters"]}
    assert {"status", "service_area", "authority", "q", "cursor", "page_size"} <= parameters


def the_schema(client):
    import yaml

    return yaml.safe_load(client.get("/api/schema/").content)


def test_every_operation_declares_405_and_406_and_they_answer_as_declared(client, register):
    """A client reads what it can meet from the schema: any method but reading is a 405,
    an Accept header JSON does not satisfy a 406, both with the error body."""
    import jsonschema

    schema = the_schema(client)
    for path, operations in schema["paths"].items():
        for code in ("405", "406"):
            declared = operations["get"]["responses"][code]["content"]
            assert "application/json" in declared, (path, code)
    error = {**schema["components"]["schemas"]["Error"], "components": schema["components"]}
    url = f"/api/v1/arrangements/{register.legal.slug}/"
    for response, code in (
        (client.post(url), 405),
        (client.get(url, HTTP_ACCEPT="text/html"), 406),
        (client.get("/api/v1/summaries/", HTTP_ACCEPT="application/xml"), 406),
    ):
        assert response.status_code == code
        assert response["Content-Type"] == "application/json"
        jsonschema.validate(response.json(), error)


@pytest.mark.parametrize(
    ("component", "field", "filled"),
    [
        ("Arrangement", "contact_email", "shared.legal@example.gov.uk"),
        ("AuthorityDetail", "website", "https://example.gov.uk/"),
    ],
)
def test_a_blank_or_filled_field_matches_exactly_one_branch_of_its_one_of(
    client, db, component, field, filled
):
    """A validator need not check formats: then a blank value matched both branches,
    which oneOf refuses, and the API's own blank answers failed its schema."""
    import jsonschema

    property_schema = the_schema(client)["components"]["schemas"][component]["properties"][field]
    branches = property_schema["oneOf"]
    for checker in (None, jsonschema.Draft202012Validator.FORMAT_CHECKER):
        for value in ("", filled):
            matched = [
                jsonschema.Draft202012Validator(branch, format_checker=checker).is_valid(value)
                for branch in branches
            ]
            assert matched.count(True) == 1, (value, checker, branches)


def test_the_docs_page_runs_under_the_sites_content_security_policy(client, db):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    html = page.content.decode()
    # No inline script or style: the page's own script is a file of this site.
    assert "<style" not in html
    assert "<script>" not in html
    assert "/api/docs/?script=" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "https://" not in html
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_the_benchmarks_cursors_are_the_apis(client, register):
    """perf/addresses.py writes cursors itself, to draw them at random: the API reads one
    as the page after that id."""
    from perf.addresses import api_cursor

    after = register.legal.pk
    rows = get(client, f"/api/v1/arrangements/?cursor={api_cursor(after)}")["results"]
    expected = [
        a.slug
        for a in sorted(
            [register.workstream, register.fostering, register.regulatory], key=lambda a: a.pk
        )
        if a.pk > after
    ]
    assert [row["slug"] for row in rows] == expected
    assert expected
