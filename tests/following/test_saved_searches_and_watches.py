"""Saved searches and watches: each user's own, written only by POST with a CSRF token,
with bad filters and bad names refused with a message and nothing saved."""

import pytest
from django.test import Client

from register.models import Arrangement, SavedSearch, Watch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.gov.uk")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.gov.uk")


def signed_in(user, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_signing_in_is_needed_and_nothing_is_written_without_it(client, register):
    assert client.get("/following/").status_code == 302
    response = client.post(f"/arrangements/{register.legal.slug}/watch/", {"watching": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post("/following/searches/new/", {"name": "Mine", "query": ""})
    assert response.status_code == 302
    assert not Watch.objects.exists() and not SavedSearch.objects.exists()


def test_the_list_offers_saving_its_filters_to_signed_in_users_only(client, register, alice):
    assert "save-search" not in client.get("/arrangements/?status=operational").content.decode()
    page = signed_in(alice).get("/arrangements/?status=operational&page=1&sort=title")
    assert 'href="/following/searches/new/?status=operational"' in page.content.decode()


def test_saving_a_search_keeps_its_filters_and_only_for_the_user(register, alice, bob):
    client = signed_in(alice)
    form = client.get("/following/searches/new/?status=operational&sort=title&page=2")
    assert form.status_code == 200
    assert "Status: Operational" in form.content.decode()
    assert not SavedSearch.objects.exists()  # GET never writes
    response = client.post(
        "/following/searches/new/",
        # A user field is not read: the search is the signed-in user's.
        {"name": "  Operational  ones ", "query": "status=operational", "user": bob.pk},
    )
    assert response.status_code == 302 and response["Location"] == "/following/"
    search = SavedSearch.objects.get()
    assert (search.user, search.name, search.query) == (
        alice,
        "Operational ones",
        "status=operational",
    )
    listed = client.get("/following/").content.decode()
    assert "Operational ones" in listed and "Status: Operational" in listed
    assert "Operational ones" not in signed_in(bob).get("/following/").content.decode()


@pytest.mark.parametrize(
    "query, said",
    [
        ("status=bogus", "Status: Select a valid choice"),
        ("authority=NOPE", "Authority:"),
        ("savings_min=-5", "Savings recorded from"),
        ("status=" + "operational&status=" * 200, "too long"),
    ],
)
def test_filters_the_list_refuses_are_refused_with_a_message(register, alice, query, said):
    client = signed_in(alice)
    page = client.get(f"/following/searches/new/?{query}")
    assert page.status_code == 400 and said in page.content.decode()
    response = client.post("/following/searches/new/", {"name": "Broken", "query": query})
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "query, said",
    [
        ("foo=bar", "not filters of the list, so the search was not saved: foo."),
        (
            "area=nope&status=operational",
            "not filters of the list, so the search was not saved: area.",
        ),
        ("%ZZ=1", "not filters of the list, so the search was not saved: %ZZ."),
        ("foo=&status=operational", "not filters of the list, so the search was not saved: foo."),
        ("status", "given no value, so the search was not saved: status."),
        ("status=&kind=", "given no value, so the search was not saved: status, kind."),
    ],
)
def test_parameters_that_are_not_filters_are_refused_never_dropped(register, alice, query, said):
    """Saved without them, the search would be every arrangement, or not the one asked."""
    client = signed_in(alice)
    page = client.get(f"/following/searches/new/?{query}")
    assert page.status_code == 400 and said in page.content.decode()
    response = client.post("/following/searches/new/", {"name": "Mine", "query": query})
    assert response.status_code == 400 and said in response.content.decode()
    assert not SavedSearch.objects.exists()
    # How the list is shown is no filter, and not a mistake: left out as before.
    response = client.post(
        "/following/searches/new/",
        {"name": "Mine", "query": "status=operational&sort=title&page=2&per_page=50"},
    )
    assert response.status_code == 302
    assert SavedSearch.objects.get().query == "status=operational"


@pytest.mark.parametrize(
    "name, said",
    [
        ("", "Enter a name"),
        ("x" * 101, "100 characters"),
        ("Legal\r\nBcc: everyone@example.com", "only letters"),
        ("Tab\tseparated", "only letters"),
        ("Zero\u200bwidth", "only letters"),
    ],
)
def test_bad_names_are_refused(register, alice, name, said):
    response = signed_in(alice).post("/following/searches/new/", {"name": name, "query": ""})
    assert response.status_code == 400 and said in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_a_name_is_used_once_per_user(register, alice, bob):
    SavedSearch.objects.create(user=alice, name="Legal", query="")
    response = signed_in(alice).post("/following/searches/new/", {"name": "LEGAL", "query": ""})
    assert response.status_code == 400 and "already have" in response.content.decode()
    # Another user may use the same name.
    assert signed_in(bob).post("/following/searches/new/", {"name": "Legal"}).status_code == 302
    assert SavedSearch.objects.count() == 2


def test_rename_and_delete_own_searches(register, alice):
    search = SavedSearch.objects.create(user=alice, name="Old", query="status=operational")
    client = signed_in(alice)
    assert client.post(f"/following/searches/{search.pk}/", {"name": ""}).status_code == 400
    assert client.post(f"/following/searches/{search.pk}/", {"name": "New"}).status_code == 302
    search.refresh_from_db()
    assert search.name == "New" and search.query == "status=operational"
    assert client.get(f"/following/searches/{search.pk}/delete/").status_code == 200
    assert SavedSearch.objects.filter(pk=search.pk).exists()  # GET asks, never deletes
    assert client.post(f"/following/searches/{search.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.filter(pk=search.pk).exists()


def test_another_users_searches_and_watches_cannot_be_read_changed_or_deleted(register, alice, bob):
    search = SavedSearch.objects.create(user=alice, name="Alice's", query="")
    watch = Watch.objects.create(user=alice, arrangement=register.legal)
    client = signed_in(bob)
    for method, url, data in [
        ("get", f"/following/searches/{search.pk}/", None),
        ("post", f"/following/searches/{search.pk}/", {"name": "Bob's now"}),
        ("get", f"/following/searches/{search.pk}/delete/", None),
        ("post", f"/following/searches/{search.pk}/delete/", None),
        ("post", f"/following/watches/{watch.pk}/stop/", None),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    search.refresh_from_db()
    assert search.name == "Alice's" and search.user == alice
    assert Watch.objects.filter(pk=watch.pk, user=alice).exists()
    assert "Alice" not in client.get("/following/").content.decode()


@pytest.mark.parametrize("kind", ["arrangement", "authority"])
def test_watching_and_stopping_from_the_page(register, alice, bob, kind):
    record = register.legal if kind == "arrangement" else register.alpha
    page_url = record.get_absolute_url()
    watch_url = f"{page_url}watch/"
    client = signed_in(alice)
    assert "Watch" in client.get(page_url).content.decode()
    assert client.get(watch_url).status_code == 405  # GET never writes
    assert not Watch.objects.exists()
    for _ in range(2):  # twice is still one watch
        response = client.post(watch_url, {"watching": "yes", "user": bob.pk})
        assert response.status_code == 302 and response["Location"] == page_url
    watch = Watch.objects.get()
    assert watch.user == alice and getattr(watch, kind) == record
    page = client.get(page_url).content.decode()
    assert "Stop watching" in page and 'id="watch-state"' in page
    assert "watch-state" not in signed_in(bob).get(page_url).content.decode()
    assert client.post(watch_url, {"watching": "maybe"}).status_code == 302
    assert Watch.objects.count() == 1  # neither yes nor no changes nothing
    client.post(watch_url, {"watching": "no"})
    assert not Watch.objects.exists()


def test_an_authority_code_in_lower_case_is_watched_as_on_its_page(register, alice):
    client = signed_in(alice)
    assert client.get("/authorities/alp/").status_code == 301  # as the page does
    response = client.post("/authorities/alp/watch/", {"watching": "yes"})
    assert response.status_code == 302 and response["Location"] == "/authorities/ALP/"
    assert Watch.objects.get(user=alice).authority == register.alpha
    client.post("/authorities/alp/watch/", {"watching": "no"})
    assert not Watch.objects.exists()
    assert client.post("/authorities/zzz/watch/", {"watching": "yes"}).status_code == 404


def test_watching_needs_a_csrf_token(register, alice):
    client = signed_in(alice, csrf=True)
    response = client.post(f"/arrangements/{register.legal.slug}/watch/", {"watching": "yes"})
    assert response.status_code == 403
    assert not Watch.objects.exists()


def test_an_exempt_arrangement_cannot_be_watched_or_seen_by_those_who_may_not_see_it(
    register, alice, viewer
):
    url = f"/arrangements/{register.secret.slug}/watch/"
    assert signed_in(alice).post(url, {"watching": "yes"}).status_code == 404
    assert not Watch.objects.exists()
    assert signed_in(viewer).post(url, {"watching": "yes"}).status_code == 302
    assert Watch.objects.filter(user=viewer, arrangement=register.secret).exists()
    # An arrangement watched while public and later made exempt is no longer listed.
    Watch.objects.create(user=alice, arrangement=register.legal)
    legal = Arrangement.objects.get(pk=register.legal.pk)
    legal.exempt = True
    legal.save()
    assert "Shared legal team" not in signed_in(alice).get("/following/").content.decode()


def test_a_watch_of_an_arrangement_later_hidden_is_ignored_not_counted(
    register, alice, monkeypatch
):
    """Kept, but not listed, not counted toward the most one may keep, and not stopped
    by its number: nothing tells its watcher that the arrangement is hidden now."""
    monkeypatch.setattr("register.following.MOST_WATCHES", 2)
    client = signed_in(alice)
    for arrangement in (register.legal, register.fostering):
        client.post(f"{arrangement.get_absolute_url()}watch/", {"watching": "yes"})
    client.get("/following/")  # shows, and so clears, the messages saying so
    hidden = Watch.objects.get(user=alice, arrangement=register.legal)
    legal = Arrangement.objects.get(pk=register.legal.pk)
    legal.exempt = True
    legal.save()
    # One watch she can see: room for another, and the page counts the one.
    response = client.post(f"{register.workstream.get_absolute_url()}watch/", {"watching": "yes"})
    assert response.status_code == 302
    assert Watch.objects.filter(user=alice, arrangement=register.workstream).exists()
    page = client.get("/following/").content.decode()
    assert "Arrangements you watch (2)" in page and "Shared legal team" not in page
    response = client.post(f"{register.regulatory.get_absolute_url()}watch/", {"watching": "yes"})
    assert not Watch.objects.filter(arrangement=register.regulatory).exists()  # two: the most
    assert client.post(f"/following/watches/{hidden.pk}/stop/").status_code == 404
    # It counts again once she may see the arrangement again.
    legal.exempt = False
    legal.save()
    assert "Arrangements you watch (3)" in client.get("/following/").content.decode()
