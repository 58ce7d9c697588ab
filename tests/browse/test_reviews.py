"""Reviews: key dates and how to leave on an arrangement's page, its download and the
API; the "Due for review" page; and a council confirming its arrangements' records."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from register.models import Arrangement, Membership
from tests.factories import UserFactory, body

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def set_dates(arrangement, **dates):
    Arrangement.objects.filter(pk=arrangement.pk).update(**dates)


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=io.StringIO())


# --- On the page, in the download and in the API --------------------------------------


def test_the_key_dates_and_how_to_leave_are_shown_on_the_page(client, register):
    set_dates(
        register.legal,
        review_date=datetime.date(2027, 3, 31),
        break_date=datetime.date(2028, 4, 1),
        how_to_leave="Twelve months' notice in writing to the lead authority.",
    )
    page = client.get(f"/arrangements/{register.legal.slug}/").content.decode()
    assert "31 March 2027" in page
    assert "A partner may leave from <time" in page and "1 April 2028" in page
    assert "Twelve months&#x27; notice in writing to the lead authority." in page
    bare = client.get(f"/arrangements/{register.fostering.slug}/").content.decode()
    assert bare.count("Not stated") >= 3 and "Not recorded" in bare


def test_the_download_and_the_api_carry_them(client, register):
    set_dates(
        register.legal,
        review_date=datetime.date(2027, 3, 31),
        break_date=datetime.date(2028, 4, 1),
        end_date=datetime.date(2030, 3, 31),
        how_to_leave="Twelve months' notice.",
        last_confirmed_at=datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC),
        last_confirmed_by=register.alpha,
        last_confirmed_role="Editor",
    )
    text = body(client.get("/arrangements/?_export=csv"))
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["Title"] == "Shared legal team")
    assert row["Review due"] == "2027-03-31"
    assert row["Break clause (a partner may leave from)"] == "2028-04-01"
    assert row["End"] == "31 March 2030"
    assert row["How a partner may leave"] == "Twelve months' notice."
    assert row["Last confirmed by a council"] == "2026-05-01"
    found = client.get(f"/api/v1/arrangements/{register.legal.slug}/").json()
    assert found["review_date"] == "2027-03-31"
    assert found["break_date"] == "2028-04-01"
    assert found["how_to_leave"] == "Twelve months' notice."
    confirmed = found["last_confirmed"]
    assert confirmed["authority"]["code"] == "ALP" and confirmed["role"] == "Editor"
    assert confirmed["at"].startswith("2026-05-01")
    listed = client.get("/api/v1/arrangements/?q=fostering").json()["results"]
    assert listed[0]["last_confirmed"] is None


# --- Due for review ----------------------------------------------------------------------


def due_titles(client, query=""):
    response = client.get(f"/arrangements/due-for-review/{query}")
    assert response.status_code == 200
    context = response.context
    return (
        [row["arrangement"].title for row in context["overdue"]],
        [row["arrangement"].title for row in context["due"]],
    )


def test_due_for_review_lists_those_within_90_days_soonest_first_and_those_overdue(
    client, register
):
    set_dates(register.legal, review_date=days(60))
    set_dates(register.workstream, break_date=days(10), end_date=days(400))
    set_dates(register.fostering, end_date=days(-5), review_date=days(30))
    set_dates(register.regulatory, review_date=days(1))  # not pursued: never due
    overdue, due = due_titles(client)
    assert overdue == ["Fostering framework"]
    assert due == ["Costs draftsman", "Shared legal team"]
    page = client.get("/arrangements/due-for-review/").content.decode()
    assert "5 days ago" in page and "in 10 days" in page
    # Further ahead when asked; nearer too.
    assert due_titles(client, "?within=400")[1] == ["Costs draftsman", "Shared legal team"]
    assert due_titles(client, "?within=20")[1] == ["Costs draftsman"]
    assert due_titles(client, "?within=0")[1] == []


def test_an_exempt_arrangement_is_due_only_for_those_who_may_see_it(client, register, viewer):
    set_dates(register.secret, review_date=days(3))
    assert due_titles(client) == ([], [])
    assert "Confidential" not in client.get("/arrangements/due-for-review/").content.decode()
    client.force_login(viewer)
    assert due_titles(client) == ([], ["Confidential waste deal"])


def due_on(today, within: int) -> dict[str, list[str]]:
    """The Due for review page's rows for the public on ``today``: title and what it says
    of each date, overdue and due."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from register.selectors import due_for_review

    found = due_for_review(AnonymousUser(), QueryDict(f"within={within}"), today)
    return {
        part: [
            f"{row['arrangement'].title}: {key.what} {key.shown}, {key.when}"
            for row in found[part]
            for key in row["dates"]
        ]
        for part in ("overdue", "due")
    }


def test_an_end_given_as_a_year_season_or_month_counts_to_the_last_day_of_it(register):
    """An end during 2026 has not passed while 2026 runs, and one during 2027 is not
    35 days away on 27 November 2026 because 2027 begins then."""
    today = datetime.date(2026, 11, 27)
    set_dates(register.legal, end_date=datetime.date(2026, 1, 1), end_precision="year")
    set_dates(register.workstream, end_date=datetime.date(2027, 1, 1), end_precision="year")
    set_dates(register.fostering, end_date=datetime.date(2026, 9, 1), end_precision="season")
    assert due_on(today, 90) == {
        "overdue": [],
        "due": [
            "Fostering framework: End autumn 2026, ends during autumn 2026, "
            "in 3 days at the latest",
            "Shared legal team: End 2026, ends during 2026, in 34 days at the latest",
        ],
    }
    assert due_on(today, 400)["due"][2:] == [
        "Costs draftsman: End 2027, ends during 2027, in 35 to 399 days",
    ]
    assert due_on(datetime.date(2026, 12, 1), 0)["overdue"] == [
        "Fostering framework: End autumn 2026, ended during autumn 2026, at least 1 day ago"
    ]
    # A month: overdue only once the month is over; a day as before.
    set_dates(register.fostering, end_date=None)
    set_dates(register.legal, end_date=datetime.date(2026, 11, 1), end_precision="month")
    assert due_on(today, 2)["due"] == []
    assert due_on(today, 3)["due"][0].endswith("in 3 days at the latest")
    assert due_on(datetime.date(2026, 11, 30), 0)["due"][0].endswith(
        "ends during November 2026, today"
    )
    set_dates(register.legal, end_date=datetime.date(2026, 11, 20), end_precision="day")
    assert due_on(today, 0)["overdue"][0] == "Shared legal team: End 20 November 2026, 7 days ago"


def test_the_page_says_an_end_this_year_is_running_not_overdue(client, register):
    this_year = TODAY().year
    set_dates(register.legal, end_date=datetime.date(this_year, 1, 1), end_precision="year")
    overdue, due = due_titles(client, "?within=400")
    assert overdue == [] and due == ["Shared legal team"]
    page = client.get("/arrangements/due-for-review/?within=400").content.decode()
    assert f'<time datetime="{this_year}">{this_year}</time>' in page
    assert f"ends during {this_year}" in page and "ago" not in page


@pytest.mark.parametrize(
    ("within", "said", "heading"),
    [
        ("0", "today ({})", "Due today:"),
        ("1", "in the next day (up to {})", "Due in the next day:"),
        ("30", "in the next 30 days (up to {})", "Due in the next 30 days:"),
    ],
)
def test_the_days_ahead_are_said_in_words(client, register, within, said, heading):
    until = days(int(within))
    page = client.get(f"/arrangements/due-for-review/?within={within}").content.decode()
    assert said.format(f"{until.day} {until:%B %Y}") in page and heading in page
    assert "next 0 days" not in page and "next 1 day " not in page


@pytest.mark.parametrize("within", ["abc", "-1", "3661", "2.5", "", "90&within=30"])
def test_a_bad_within_is_refused_in_words(client, register, within):
    set_dates(register.legal, review_date=days(3))
    response = client.get(f"/arrangements/due-for-review/?within={within}")
    if within == "":
        assert response.status_code == 200  # blank is the default
        return
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Give one value only" in page or "whole number from 0 to 3660" in page
    assert response.context["due"] == [] and "Shared legal team" not in page


def test_due_for_review_is_in_the_navigation_and_current_on_its_page(client, register):
    page = client.get("/arrangements/due-for-review/").content.decode()
    assert 'href="/arrangements/due-for-review/" aria-current="true"' in page
    assert 'href="/arrangements/" aria-current' not in page
    listing = client.get("/arrangements/").content.decode()
    assert 'href="/arrangements/" aria-current="true"' in listing
    assert 'href="/arrangements/due-for-review/"' in listing


def test_no_arrangement_can_take_the_pages_address(register):
    from django.core.exceptions import ValidationError

    register.legal.slug = "due-for-review"
    with pytest.raises(ValidationError):
        register.legal.full_clean()


# --- Last confirmed by the council --------------------------------------------------------


def test_a_record_never_or_long_ago_confirmed_is_flagged_and_a_recent_one_is_not(client, register):
    url = f"/arrangements/{register.legal.slug}/"
    assert (
        "No council taking part has confirmed this record yet" in client.get(url).content.decode()
    )
    set_dates(
        register.legal,
        last_confirmed_at=timezone.now() - datetime.timedelta(days=366),
        last_confirmed_by=register.alpha,
        last_confirmed_role="Editor",
    )
    page = client.get(url).content.decode()
    assert "has confirmed this record for over a year" in page
    set_dates(register.legal, last_confirmed_at=timezone.now() - datetime.timedelta(days=364))
    page = client.get(url).content.decode()
    assert 'id="not-confirmed"' not in page
    assert "by Alphaton" in page and "(an editor of the register)" in page


def confirmation_shown(client, slug) -> dict:
    """What the page, the API (its list and the arrangement) and the download say of the
    arrangement's last confirmation."""
    page = client.get(f"/arrangements/{slug}/").content.decode()
    listed = client.get("/api/v1/arrangements/?page_size=100").json()["results"]
    text = body(client.get("/arrangements/?_export=csv"))
    return {
        "page": re.search(r'id="last-confirmed">.*?</dd>', page, re.S).group(0),
        "warning": "No council taking part has confirmed this record yet" in page,
        "api": client.get(f"/api/v1/arrangements/{slug}/").json()["last_confirmed"],
        "api list": next(a for a in listed if a["slug"] == slug)["last_confirmed"],
        "csv": next(
            r for r in csv.DictReader(io.StringIO(text)) if r["Address"].endswith(f"/{slug}/")
        )["Last confirmed by a council"],
    }


def test_a_confirmation_made_while_exempt_is_never_shown_to_the_public(client, register, viewer):
    """It would tell that the record existed, hidden, before it became public."""
    secret = Arrangement.objects.get(pk=register.secret.pk)
    Arrangement.objects.filter(pk=secret.pk).confirm(register.delta, "Editor", timezone.now())
    secret.exempt = False
    secret.save()
    public = confirmation_shown(client, secret.slug)
    assert "Not yet confirmed" in public["page"] and "Deltaby" not in public["page"]
    assert public["warning"]
    assert public["api"] is None and public["api list"] is None and public["csv"] == ""
    client.force_login(viewer)
    seen = confirmation_shown(client, secret.slug)
    assert "by Deltaby" in seen["page"] and not seen["warning"]
    assert seen["api"]["authority"]["code"] == "DEL" and seen["api list"] == seen["api"]
    assert seen["csv"] == timezone.localdate().isoformat()
    # A confirmation after it became public is the public's to see.
    client.logout()
    Arrangement.objects.filter(pk=secret.pk).confirm(register.delta, "Editor", timezone.now())
    again = confirmation_shown(client, secret.slug)
    assert "by Deltaby" in again["page"] and again["api"]["authority"]["code"] == "DEL"
    assert again["csv"] == timezone.localdate().isoformat()


def test_the_list_is_never_sorted_by_when_records_were_confirmed(client, register):
    """The order would place confirmations a reader may not see."""
    response = client.get("/arrangements/?sort=-last_confirmed_at")
    assert response.context["table"].order_by != ("-last_confirmed_at",)
    assert not response.context["table"].columns["last_confirmed_at"].orderable


def test_an_arrangement_nobody_takes_part_in_says_none_can_confirm_it(client, register):
    """Not that no council taking part has confirmed it: there is none to ask."""
    from tests.factories import ArrangementFactory

    lonely = ArrangementFactory(title="Nobody yet", members=[])
    Membership.objects.create(arrangement=lonely, authority=register.alpha, role="prospective")
    page = client.get(f"/arrangements/{lonely.slug}/").content.decode()
    assert "No council takes part in this arrangement yet, so none can confirm its record" in (page)
    assert "No council taking part has confirmed" not in page


def confirm_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"csrfmiddlewaretoken": page.context["csrf_token"]})


def confirmed():
    return dict(
        Arrangement.objects.filter(last_confirmed_at__isnull=False).values_list(
            "title", "last_confirmed_role"
        )
    )


def test_an_editor_confirms_their_authoritys_records_in_one_step(register, roles):
    editor = UserFactory(roles=["Editor"], authorities=[register.gamma])
    client = confirm_client(editor)
    url = "/authorities/GAM/confirm/"
    page = client.get(url)
    assert "takes part in 2 arrangements" in page.content.decode()
    assert confirmed() == {}  # GET never writes
    versions = dict(Arrangement.objects.values_list("pk", "version"))
    history = Arrangement.history.count()
    response = csrf_post(client, url)
    assert response.status_code == 302 and response["Location"] == "/authorities/GAM/"
    assert confirmed() == {"Costs draftsman": "Editor", "Fostering framework": "Editor"}
    assert set(
        Arrangement.objects.exclude(last_confirmed_by=None).values_list(
            "last_confirmed_by__code", flat=True
        )
    ) == {"GAM"}
    # No fact changed: no version claimed, no history, nothing for the feeds.
    assert dict(Arrangement.objects.values_list("pk", "version")) == versions
    assert Arrangement.history.count() == history
    page = client.get(f"/arrangements/{register.fostering.slug}/").content.decode()
    assert "by Gammashire" in page and "editor" in page and editor.username not in page


def test_a_code_in_lower_case_is_the_same_authority_as_on_its_page(register, roles):
    """GET redirects to the address in capitals; POST, which a redirect would turn into
    a GET, confirms for the same authority."""
    editor = UserFactory(roles=["Editor"], authorities=[register.gamma])
    client = confirm_client(editor)
    response = client.get("/authorities/gam/confirm/")
    assert response.status_code == 301 and response["Location"] == "/authorities/GAM/confirm/"
    token = client.get("/authorities/GAM/confirm/").context["csrf_token"]
    response = client.post("/authorities/gam/confirm/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/authorities/GAM/"
    assert confirmed() == {"Costs draftsman": "Editor", "Fostering framework": "Editor"}
    assert client.get("/authorities/zzz/confirm/", follow=True).status_code == 404


def test_the_authority_page_offers_it_only_to_those_who_may(client, register, roles):
    assert "confirm-link" not in client.get("/authorities/GAM/").content.decode()
    client.force_login(UserFactory(roles=["Editor"], authorities=[register.alpha]))
    assert "confirm-link" not in client.get("/authorities/GAM/").content.decode()
    assert "confirm-link" in client.get("/authorities/ALP/").content.decode()


@pytest.mark.parametrize("who", ["Viewer", "another council's Editor"])
def test_anyone_else_is_refused_and_nothing_is_written(client, register, roles, who):
    if who == "Viewer":
        user = UserFactory(roles=["Viewer"])
    else:
        user = UserFactory(roles=["Editor"], authorities=[register.alpha])
    client.force_login(user)
    assert client.get("/authorities/GAM/confirm/").status_code == 403
    assert client.post("/authorities/GAM/confirm/").status_code == 403
    assert confirmed() == {}


def test_signed_out_is_sent_to_sign_in_and_without_its_token_nothing_is_written(
    client, register, roles
):
    response = client.post("/authorities/GAM/confirm/")
    assert response.status_code == 302 and "login" in response["Location"]
    editor = UserFactory(roles=["Editor"], authorities=[register.gamma])
    assert confirm_client(editor).post("/authorities/GAM/confirm/").status_code == 403
    assert confirmed() == {}
    assert client.get("/authorities/ZZZ/confirm/").status_code == 302  # signed out first


def test_an_administrator_confirms_for_any_authority(register, roles):
    admin = UserFactory(roles=["Administrator"])
    csrf_post(confirm_client(admin), "/authorities/DEL/confirm/")
    # Deltaby's, its exempt one included (an administrator may see it); none other.
    assert confirmed() == {
        "Fostering framework": "Administrator",
        "Regulatory services": "Administrator",
        "Confidential waste deal": "Administrator",
    }


# --- In the admin --------------------------------------------------------------------------


def test_an_editor_sets_the_key_dates_in_the_admin_but_never_the_confirmation(
    client, register, roles
):
    from tests.admin.test_admin import change_url, form_data, membership, staff

    legal = Arrangement.objects.get(pk=register.legal.pk)
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
        for m in legal.memberships.all()
    ]
    client.force_login(staff("editor1", "Editor", authorities=[register.alpha]))
    page = client.get(change_url(legal)).content.decode()
    assert 'name="review_date"' in page and 'name="how_to_leave"' in page
    assert 'name="last_confirmed_at"' not in page  # shown, not typed
    data = form_data(
        legal,
        memberships=rows,
        review_date="2027-03-31",
        break_date="2028-04-01",
        how_to_leave="Twelve months' notice.",
        last_confirmed_at="2026-01-01 10:00",
        last_confirmed_role="Administrator",
    )
    response = client.post(change_url(legal), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    legal.refresh_from_db()
    assert legal.review_date == datetime.date(2027, 3, 31)
    assert legal.break_date == datetime.date(2028, 4, 1)
    assert legal.how_to_leave == "Twelve months' notice."
    assert legal.last_confirmed_at is None and legal.last_confirmed_role == ""


@pytest.mark.parametrize(
    ("dates", "field", "said"),
    [
        ({"review_date": "0001-01-01"}, "review_date", "in the year 1: give a date between 1900"),
        ({"break_date": "9999-12-31"}, "break_date", "in the year 9999: give a date between"),
        (
            {"break_date": "2031-04-01", "end_date": "2030-03-31"},
            "break_date",
            "after the arrangement ends (31 March 2030)",
        ),
        (
            {"break_date": "2031-04-01", "end_date": "2030-01-01", "end_precision": "year"},
            "break_date",
            "after the arrangement ends (2030)",
        ),
    ],
)
def test_an_implausible_review_or_break_date_is_refused_in_the_admin(
    client, register, roles, dates, field, said
):
    from tests.admin.test_admin import change_url, form_data, membership, staff

    legal = Arrangement.objects.get(pk=register.legal.pk)
    rows = [
        membership(m.authority, m.role, id=m.pk, arrangement=legal.pk)
        for m in legal.memberships.all()
    ]
    client.force_login(staff("admin1", "Administrator"))
    response = client.post(change_url(legal), form_data(legal, memberships=rows, **dates))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert said in " ".join(errors[field]), errors
    legal.refresh_from_db()
    assert (legal.review_date, legal.break_date, legal.end_date) == (None, None, None)
    # A break clause during the year the arrangement ends is one it may still use.
    ok = {"break_date": "2030-06-30", "end_date": "2030-01-01", "end_precision": "year"}
    response = client.post(change_url(legal), form_data(legal, memberships=rows, **ok))
    assert response.status_code == 302, response.context["adminform"].form.errors
    legal.refresh_from_db()
    assert legal.break_date == datetime.date(2030, 6, 30)


def test_a_save_never_puts_back_a_confirmation_it_read_before(register):
    legal = Arrangement.objects.get(pk=register.legal.pk)  # read before the confirmation
    Arrangement.objects.filter(pk=legal.pk).confirm(register.alpha, "Editor", timezone.now())
    legal.summary = "Changed after"
    legal.save()
    legal.refresh_from_db()
    assert legal.last_confirmed_role == "Editor" and legal.last_confirmed_at is not None
