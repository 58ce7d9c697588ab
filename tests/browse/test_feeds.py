"""The Atom feeds: of any filtered list, of an authority's arrangements and of one
arrangement's changes. Valid Atom, the list's filters and visibility, bounded, and cheap."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest

from register.models import Arrangement
from register.selectors import FEED_ENTRIES
from tests.browse.test_query_counts import assert_query_count_does_not_grow, build
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def atom(response) -> ET.Element:
    """The feed, parsed: a response that is not well-formed Atom fails here."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    # What RFC 4287 requires of a feed and of each entry.
    for element in (root, *root.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert element.find(f"{ATOM}{required}") is not None, required
            assert element.find(f"{ATOM}{required}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text
    return root


def entries(root) -> list[dict]:
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.find(f"{ATOM}id").text,
            "updated": entry.find(f"{ATOM}updated").text,
            "summary": entry.find(f"{ATOM}summary").text,
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def titles(root) -> set[str]:
    return {entry["title"] for entry in entries(root)}


def listed(client, query: str) -> set[str]:
    """The titles the list page selects for this query string (every page of it)."""
    response = client.get(f"/arrangements/?{query}")
    assert response.status_code == 200
    return {arrangement.title for arrangement in response.context["filter"].qs}


PUBLIC = {"Shared legal team", "Costs draftsman", "Fostering framework", "Regulatory services"}


def test_the_list_feed_is_atom_of_every_public_arrangement(client, register):
    root = atom(client.get("/arrangements/feed/"))
    assert titles(root) == PUBLIC
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "http://testserver/arrangements/",
        "self": "http://testserver/arrangements/feed/",
    }
    fostering = next(e for e in entries(root) if e["title"] == "Fostering framework")
    assert (
        fostering["link"]
        == fostering["id"]
        == "http://testserver/arrangements/" + (f"{register.fostering.slug}/")
    )
    # The summary says what it is, in words (HTML, escaped once in the XML).
    summary = fostering["summary"]
    assert "Status: Procurement under way" in summary
    assert "Gammashire (lead)" in summary and "Alphaton (partner)" in summary
    assert "Service areas: Fostering" in summary


@pytest.mark.parametrize(
    "query",
    [
        "status=procurement",
        "authority=DEL",
        "authority=ALP&role=lead",
        "service_area=legal&kind=hosted_resource",
        "q=barristers",
        "region=wales",
        "has_savings=yes&savings_min=60000",
        "financial_year=2012/13&saving_basis=achieved",
    ],
)
def test_the_list_feed_holds_what_the_list_selects(client, register, query):
    feed = titles(atom(client.get(f"/arrangements/feed/?{query}")))
    assert feed == listed(client, query)
    assert feed < PUBLIC  # every filter here narrows


def test_the_feed_title_names_the_filters(client, register):
    root = atom(client.get("/arrangements/feed/?status=procurement&authority=GAM"))
    title = root.find(f"{ATOM}title").text
    assert "Status: Procurement under way" in title and "Authority: Gammashire" in title
    alternate = root.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://testserver/arrangements/?status=procurement&authority=GAM"


def test_exempt_arrangements_only_for_those_who_may_see_them(client, register, viewer):
    feeds = ["/arrangements/feed/", "/arrangements/feed/?authority=DEL", "/authorities/DEL/feed/"]
    for url in feeds:
        assert "Confidential waste deal" not in titles(atom(client.get(url))), url
    assert client.get(f"/arrangements/{register.secret.slug}/feed/").status_code == 404
    client.force_login(viewer)
    for url in feeds:
        assert "Confidential waste deal" in titles(atom(client.get(url))), url
    assert titles(atom(client.get("/arrangements/feed/?authority=DEL"))) == listed(
        client, "authority=DEL"
    )
    atom(client.get(f"/arrangements/{register.secret.slug}/feed/"))


def test_newest_change_first(client, register):
    register.regulatory.refresh_from_db()
    register.regulatory.summary = "Revisited"
    register.regulatory.save()
    found = entries(atom(client.get("/arrangements/feed/")))
    assert found[0]["title"] == "Regulatory services"
    assert [e["updated"] for e in found] == sorted((e["updated"] for e in found), reverse=True)


def test_a_saving_added_on_its_own_page_moves_its_arrangement_up(admin_client, register):
    response = admin_client.post(
        "/admin/register/saving/add/",
        {
            "arrangement": register.regulatory.pk,
            "authority": register.beta.pk,
            "amount": "5",
            "qualifier": "exactly",
            "period": "not_stated",
            "basis": "estimated",
        },
    )
    assert response.status_code == 302
    assert entries(atom(admin_client.get("/arrangements/feed/")))[0]["title"] == (
        "Regulatory services"
    )


@pytest.mark.parametrize(
    "query, named",
    [
        ("status=bogus", "Status"),
        ("savings_min=lots", "Savings recorded from"),
        ("start_year_min=1", "Started from"),
        ("authority=NOPE", "Authority"),
        ("role=lead", "Authority's role"),
        ("q=" + "x" * 201, "Search"),
        ("financial_year=someday", "Financial year"),
        ("parent=confidential-waste-deal", "Programme"),
    ],
)
def test_bad_filters_get_a_clear_400(client, register, query, named):
    response = client.get(f"/arrangements/feed/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "filters could not be understood" in text and f"{named}" in text


def test_unknown_authority_or_arrangement_is_404(client, register):
    assert client.get("/authorities/ZZZ/feed/").status_code == 404
    assert client.get("/authorities/zzz/feed/", follow=True).status_code == 404
    assert client.get("/arrangements/no-such-thing/feed/").status_code == 404


def test_an_authority_feed_holds_what_it_takes_part_in(client, register):
    root = atom(client.get("/authorities/GAM/feed/"))
    assert titles(root) == {"Costs draftsman", "Fostering framework"}
    assert "Gammashire" in root.find(f"{ATOM}title").text
    alternate = root.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://testserver/authorities/GAM/"


def test_an_arrangement_feed_lists_its_changes_without_who_or_why(client, register, viewer):
    from simple_history.utils import update_change_reason

    legal = Arrangement.objects.get(pk=register.legal.pk)
    legal.status = "ended"
    legal._history_user = viewer
    legal.save()
    update_change_reason(legal, "Told by Jo Bloggs on the phone")
    found = entries(atom(client.get(f"/arrangements/{legal.slug}/feed/")))
    assert found[0]["title"] == "Shared legal team: changed status"
    assert "Status after this change: Ended after operating" in found[0]["summary"]
    assert found[-1]["title"] == "Shared legal team: created"
    assert len({e["id"] for e in found}) == len(found)  # each change its own entry
    text = client.get(f"/arrangements/{legal.slug}/feed/").content.decode()
    assert "viewer" not in text and "Bloggs" not in text


def test_changes_made_while_exempt_are_hidden_from_the_public(client, register, viewer):
    secret = Arrangement.objects.get(pk=register.secret.pk)
    secret.summary = "Exempt detail"
    secret.save()
    secret.exempt = False
    secret.save()
    secret.summary = "Now public"
    secret.save()
    public = entries(atom(client.get(f"/arrangements/{secret.slug}/feed/")))
    # Its appearance reads as any public record's creation: "published" told that it
    # had been hidden before.
    assert [e["title"] for e in public] == [
        "Confidential waste deal: changed summary",
        "Confidential waste deal: created",
    ]
    assert "Created in the register" in public[-1]["summary"]
    text = client.get(f"/arrangements/{secret.slug}/feed/").content.decode()
    assert "exempt" not in text and ": published" not in text
    client.force_login(viewer)
    seen = [e["title"] for e in entries(atom(client.get(f"/arrangements/{secret.slug}/feed/")))]
    assert seen == [
        "Confidential waste deal: changed summary",
        "Confidential waste deal: changed exempt",
        "Confidential waste deal: changed summary",
        "Confidential waste deal: created",
    ]


def test_a_record_public_then_hidden_then_public_again_starts_afresh_for_the_public(
    client, register, viewer
):
    """Its earlier public time, then a gap, would tell that it was hidden in between."""
    legal = Arrangement.objects.get(pk=register.legal.pk)
    legal.summary = "Before"
    legal.save()
    legal.exempt = True
    legal.save()
    legal.exempt = False
    legal.save()
    public = [e["title"] for e in entries(atom(client.get(f"/arrangements/{legal.slug}/feed/")))]
    assert public == ["Shared legal team: created"]
    client.force_login(viewer)
    seen = [e["title"] for e in entries(atom(client.get(f"/arrangements/{legal.slug}/feed/")))]
    assert seen[:3] == [
        "Shared legal team: changed exempt",
        "Shared legal team: changed exempt",
        "Shared legal team: changed summary",
    ]


def published(client, url, title) -> str:
    root = atom(client.get(url))
    entry = next(e for e in root.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text == title)
    return entry.find(f"{ATOM}published").text


def test_a_list_entry_is_published_when_it_became_public(client, register, viewer):
    """Its creation date, years before it was public, would tell that it was hidden."""
    secret = Arrangement.objects.get(pk=register.secret.pk)
    secret.created_at = datetime.datetime(2015, 4, 1, tzinfo=datetime.UTC)
    secret.history.update(history_date=datetime.datetime(2015, 4, 1, tzinfo=datetime.UTC))
    secret.exempt = False
    secret.save()
    made_public = secret.history.latest("history_date").history_date
    for url in ("/arrangements/feed/", "/authorities/DEL/feed/"):
        when = published(client, url, "Confidential waste deal")
        assert datetime.datetime.fromisoformat(when) == made_public, url
    # A never-hidden record is published when it was created.
    legal = Arrangement.objects.get(pk=register.legal.pk)
    when = published(client, "/arrangements/feed/", "Shared legal team")
    assert datetime.datetime.fromisoformat(when) == legal.created_at
    client.force_login(viewer)
    assert published(client, "/arrangements/feed/", "Confidential waste deal").startswith("2015")


def test_an_entry_is_never_updated_before_it_was_published(client, register, viewer):
    secret = Arrangement.objects.get(pk=register.secret.pk)
    secret.exempt = False
    secret.save()
    for reader in (None, viewer):
        if reader:
            client.force_login(reader)
        for url in ("/arrangements/feed/", "/authorities/DEL/feed/"):
            for entry in atom(client.get(url)).findall(f"{ATOM}entry"):
                published = entry.find(f"{ATOM}published").text
                updated = entry.find(f"{ATOM}updated").text
                assert datetime.datetime.fromisoformat(updated) >= datetime.datetime.fromisoformat(
                    published
                ), (url, entry.find(f"{ATOM}title").text)


def test_the_pages_change_history_hides_the_exempt_past_from_a_user_without_the_right(
    client, register, viewer
):
    secret = Arrangement.objects.get(pk=register.secret.pk)
    secret.summary = "Exempt detail"
    secret.save()
    secret.exempt = False
    secret.save()
    client.force_login(UserFactory())
    history = client.get(f"/arrangements/{secret.slug}/").context["change_history"]
    assert [entry["what"] for entry in history] == ["Created"]
    client.force_login(viewer)
    history = client.get(f"/arrangements/{secret.slug}/").context["change_history"]
    assert [entry["what"] for entry in history] == ["Changed", "Changed", "Created"]


def alternates(response) -> list[str]:
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]*)"',
        response.content.decode(),
    )


def test_pages_offer_their_feed(client, register):
    response = client.get("/arrangements/?status=operational&page=1&sort=title&per_page=25")
    # Only the filters: not the page, its size or the sort.
    assert alternates(response) == ["/arrangements/feed/?status=operational"]
    assert 'id="feed-link"' in response.content.decode()
    assert "Follow changes (Atom feed)" in response.content.decode()
    assert alternates(client.get("/arrangements/")) == ["/arrangements/feed/"]
    # With refused filters the feed would answer 400: none is offered.
    assert alternates(client.get("/arrangements/?status=bogus")) == []
    page = client.get("/authorities/GAM/")
    assert alternates(page) == ["/authorities/GAM/feed/"]
    assert "Follow changes (Atom feed)" in page.content.decode()
    page = client.get(f"/arrangements/{register.legal.slug}/")
    assert alternates(page) == [f"/arrangements/{register.legal.slug}/feed/"]
    assert "Follow changes (Atom feed)" in page.content.decode()


def test_feeds_carry_the_security_headers(client, register):
    for url in ("/arrangements/feed/", "/authorities/GAM/feed/", "/arrangements/feed/?status=x"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "Cookie" in response["Vary"]  # a viewer's feed is never served to another


@pytest.mark.parametrize(
    "url",
    [
        "/arrangements/feed/",
        "/arrangements/feed/?q=workstream&service_area=legal&tier_level=lower",
        "/authorities/BET/feed/",
        "/arrangements/{programme}/feed/",
    ],
)
def test_query_count_does_not_grow_with_rows(client, register, url):
    assert_query_count_does_not_grow(client, register, url)


def test_a_feed_holds_at_most_its_bound(client, register):
    build(FEED_ENTRIES, register)  # as many workstreams, beside the register's five
    assert Arrangement.objects.filter(exempt=False).count() > FEED_ENTRIES
    for url in ("/arrangements/feed/", "/authorities/BET/feed/"):
        assert len(entries(atom(client.get(url)))) == FEED_ENTRIES


def test_a_code_typed_in_lower_case_leads_to_the_feed(client, register):
    response = client.get("/authorities/gam/feed/")
    assert response.status_code == 301
    assert response["Location"] == "/authorities/GAM/feed/"


def test_characters_xml_cannot_hold_never_break_a_feed(client, register):
    """A control character or U+FFFE typed into a title or summary in the admin, or
    searched for, is shown as U+FFFD in the feeds: every feed stays well-formed XML (it
    was a server error, or a 200 no reader could parse), and the record is unchanged."""
    Arrangement.objects.filter(pk=register.legal.pk).update(
        title="Shared \x01legal\x0b team \ufffe", summary="Bar\x1fristers"
    )
    for url in (
        "/arrangements/feed/",
        "/authorities/ALP/feed/",
        f"/arrangements/{register.legal.slug}/feed/",
        "/arrangements/feed/?q=a%01b",
        "/arrangements/feed/?q=%EF%BF%BE",
    ):
        root = atom(client.get(url))
        assert "\x01" not in ET.tostring(root, encoding="unicode"), url
    entries = atom(client.get("/arrangements/feed/")).findall(f"{ATOM}entry")
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert "Shared \ufffdlegal\ufffd team \ufffd" in titles
    assert Arrangement.objects.get(pk=register.legal.pk).title == "Shared \x01legal\x0b team \ufffe"


@pytest.mark.parametrize("url", ["/arrangements/feed/", "/authorities/ALP/feed/"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_a_feed_is_only_read(client, register, url, method):
    assert getattr(client, method)(url).status_code == 405
