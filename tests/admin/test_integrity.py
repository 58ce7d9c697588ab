"""Integrity of writes: history reverts, records added beside an arrangement, an editor's
last membership, and two saves of one arrangement at the same moment."""

import re
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from register.figures import stored_figures_drift
from register.models import (
    Arrangement,
    Authority,
    ConcurrentEditError,
    Membership,
    Region,
    Saving,
)
from register.signals import refreshed_once
from tests.admin.test_admin import (
    change_url,
    form_data,
    membership,
    staff,
)
from tests.factories import AuthorityFactory, body

pytestmark = pytest.mark.django_db

SOMEONE_ELSE = "Someone else saved this arrangement after you opened it"


def rows(arrangement):
    return [
        membership(m.authority, m.role, id=m.pk, arrangement=arrangement.pk)
        for m in arrangement.memberships.order_by("pk")
    ]


def history_form_url(record):
    first = record.history.order_by("history_date", "history_id").first()
    model = record._meta.model_name
    return f"/admin/register/{model}/{record.pk}/history/{first.history_id}/"


# --- History pages ---------------------------------------------------------------------


def test_a_viewer_cannot_clear_exempt_through_the_history_form(client, register, roles):
    secret = register.secret
    client.force_login(staff("reader", "Viewer"))
    data = form_data(secret, memberships=rows(secret))
    data.pop("exempt")  # unticked
    assert client.get(history_form_url(secret)).status_code == 200  # reading is allowed
    assert client.post(history_form_url(secret), data).status_code == 403
    secret.refresh_from_db()
    assert secret.exempt
    client.logout()
    assert client.get(secret.get_absolute_url()).status_code == 404


def test_a_viewer_cannot_make_themselves_an_editor_through_authority_history(
    client, register, roles
):
    reader = staff("reader", "Viewer")
    client.force_login(reader)
    alpha = register.alpha
    alpha.save()  # a history record to open
    url = history_form_url(alpha)
    response = client.post(
        url,
        {
            "code": alpha.code,
            "name": alpha.name,
            "tier": alpha.tier_id,
            "editors": [reader.pk],
        },
    )
    assert response.status_code == 403
    assert not alpha.editors.filter(pk=reader.pk).exists()


def test_an_editor_reverts_their_own_arrangement_but_not_anothers(client, register, roles):
    editor = staff("editor", "Editor", [register.alpha])
    client.force_login(editor)
    legal, regulatory = register.legal, register.regulatory
    Arrangement.objects.filter(pk=legal.pk)  # legal: Alphaton takes part
    legal.title = "Renamed"
    legal.save()
    response = client.post(
        history_form_url(legal), form_data(legal, memberships=[], title="Shared legal team")
    )
    assert response.status_code == 302, body(response)[:2000]
    legal.refresh_from_db()
    assert legal.title == "Shared legal team" and legal.version == 3
    regulatory.save()
    response = client.post(
        history_form_url(regulatory), form_data(regulatory, memberships=[], title="Hijacked")
    )
    assert response.status_code == 403
    regulatory.refresh_from_db()
    assert regulatory.title == "Regulatory services"


def test_a_revert_without_the_version_it_was_opened_at_is_refused_not_a_server_error(
    client, register, roles
):
    client.force_login(staff("editor", "Editor", [register.alpha]))
    legal = register.legal
    legal.title = "Renamed"
    legal.save()
    data = form_data(legal, memberships=[], title="Shared legal team")
    data.pop("loaded_version")  # a stale page, or a hand-made POST
    response = client.post(history_form_url(legal), data)
    assert response.status_code == 200
    assert SOMEONE_ELSE in body(response) or "Open the arrangement again" in body(response)
    legal.refresh_from_db()
    assert legal.title == "Renamed" and legal.version == 2


# --- Records added beside an arrangement -------------------------------------------------


@pytest.mark.parametrize(
    "model, data",
    [
        (
            "saving",
            {"amount": "5", "qualifier": "exactly", "period": "not_stated", "basis": "estimated"},
        ),
        ("milestone", {"title": "Go live", "date_precision": "day", "status": "planned"}),
        ("membership", {"role": "partner"}),
    ],
)
def test_editors_add_records_only_to_arrangements_they_may_change(
    client, register, roles, model, data
):
    editor = staff("editor", "Editor", [register.alpha])
    client.force_login(editor)
    if model == "membership":
        data = {**data, "authority": register.alpha.pk}
    before = Arrangement.objects.get(pk=register.regulatory.pk).version
    response = client.post(
        f"/admin/register/{model}/add/", {**data, "arrangement": register.regulatory.pk}
    )
    assert response.status_code == 200
    assert "none of your authorities takes part in it" in body(response)
    # Nothing was added, and the other authority's arrangement stays closed to them.
    assert not Membership.objects.filter(
        arrangement=register.regulatory, authority=register.alpha
    ).exists()
    assert register.regulatory.savings.count() == 0
    assert register.regulatory.milestones.count() == 0
    assert client.post(change_url(register.regulatory), {}).status_code == 403
    assert Arrangement.objects.get(pk=register.regulatory.pk).version == before
    # Their own arrangement takes it.
    if model == "membership":
        data = {**data, "authority": register.gamma.pk}
    response = client.post(
        f"/admin/register/{model}/add/", {**data, "arrangement": register.legal.pk}
    )
    assert response.status_code == 302, body(response)[:3000]


def test_an_editor_cannot_make_their_arrangement_a_workstream_of_anothers(client, register, roles):
    """A workstream shows on its programme's page, and a programme with workstreams
    cannot be deleted: so choosing someone else's arrangement as the parent would change
    (and pin) an arrangement the editor may not change."""
    client.force_login(staff("editor", "Editor", [register.alpha]))
    legal = register.legal
    response = client.post(
        change_url(legal),
        form_data(legal, memberships=rows(legal), parent=register.regulatory.pk),
    )
    assert response.status_code == 200
    assert "none of your authorities takes part in it" in body(response)
    legal.refresh_from_db()
    assert legal.parent is None
    # Their own programme is still a fine parent, and a parent that is already set (by
    # an administrator) does not stop them saving the rest of the form.
    fostering = register.fostering  # Alphaton takes part
    response = client.post(
        change_url(legal), form_data(legal, memberships=rows(legal), parent=fostering.pk)
    )
    assert response.status_code == 302, body(response)[:3000]
    Arrangement.objects.filter(pk=legal.pk).update(parent=register.regulatory)
    legal.refresh_from_db()
    response = client.post(
        change_url(legal), form_data(legal, memberships=rows(legal), title="Renamed")
    )
    assert response.status_code == 302, body(response)[:3000]


def test_a_saving_added_on_its_own_page_is_for_a_partner(client, register, roles):
    """The arrangement's own page refuses a saving for an authority that is not a partner
    (SavingFormSet); the saving's own page must too."""
    client.force_login(staff("editor", "Editor", [register.alpha]))
    data = {
        "arrangement": register.legal.pk,  # Alphaton and Betaford
        "amount": "5",
        "qualifier": "exactly",
        "period": "not_stated",
        "basis": "estimated",
    }
    response = client.post("/admin/register/saving/add/", {**data, "authority": register.delta.pk})
    assert response.status_code == 200
    assert "is not a partner in this arrangement" in body(response)
    assert not Saving.objects.filter(authority=register.delta, arrangement=register.legal).exists()
    response = client.post("/admin/register/saving/add/", {**data, "authority": register.beta.pk})
    assert response.status_code == 302, body(response)[:3000]


def test_choosing_an_arrangement_offers_an_editor_only_their_own(client, register, roles):
    client.force_login(staff("editor", "Editor", [register.delta]))
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "register", "model_name": "saving", "field_name": "arrangement"},
    )
    offered = {row["text"] for row in response.json()["results"]}
    assert offered == {"Fostering framework", "Regulatory services", "Confidential waste deal"}


# --- An editor's last membership ---------------------------------------------------------


@pytest.fixture
def editor_of_beta(client, register, roles):
    """An editor whose only authority in the regulatory arrangement is Betaford."""
    client.force_login(staff("editor", "Editor", [register.beta]))
    return register.regulatory.memberships.get(authority=register.beta)


LAST = "Include at least one of your own authorities as a partner"


def test_an_editor_cannot_delete_their_last_membership(client, register, editor_of_beta):
    url = f"/admin/register/membership/{editor_of_beta.pk}/delete/"
    response = client.post(url, {"post": "yes"}, follow=True)
    assert LAST in body(response)
    assert Membership.objects.filter(pk=editor_of_beta.pk).exists()


def test_an_editor_cannot_bulk_delete_their_last_membership(client, register, editor_of_beta):
    response = client.post(
        "/admin/register/membership/",
        {"action": "delete_selected", "_selected_action": [editor_of_beta.pk], "post": "yes"},
        follow=True,
    )
    assert LAST in body(response)
    assert Membership.objects.filter(pk=editor_of_beta.pk).exists()


def test_an_editor_cannot_hand_their_last_membership_to_another_authority(
    client, register, editor_of_beta
):
    response = client.post(
        f"/admin/register/membership/{editor_of_beta.pk}/change/",
        {
            "arrangement": register.regulatory.pk,
            "authority": register.gamma.pk,
            "role": "partner",
        },
    )
    assert response.status_code == 200 and LAST in body(response)
    editor_of_beta.refresh_from_db()
    assert editor_of_beta.authority == register.beta


def test_an_editor_cannot_revert_their_last_membership_to_another_authority(
    client, register, roles
):
    """The history form starts from the old copy: the rule is about the membership as it
    stands now."""
    regulatory = register.regulatory
    regulatory.memberships.get(authority=register.beta).delete()
    handed = Membership.objects.create(arrangement=regulatory, authority=register.gamma)
    handed.authority = register.beta  # Betaford's only membership now
    handed.save()
    client.force_login(staff("editor", "Editor", [register.beta]))
    response = client.post(
        history_form_url(handed),
        {"arrangement": regulatory.pk, "authority": register.gamma.pk, "role": "partner"},
    )
    assert response.status_code == 200 and LAST in body(response)
    handed.refresh_from_db()
    assert handed.authority == register.beta


@pytest.mark.parametrize("role", ["prospective", "joining", "withdrawn"])
def test_an_editor_whose_council_does_not_take_part_may_not_change_it(
    client, register, roles, role
):
    """Only a council taking part (lead, host or partner) answers for an arrangement: one
    that is only prospective, joining or withdrawn does not, on any path."""
    legal = register.legal
    Membership.objects.create(arrangement=legal, authority=register.delta, role=role)
    client.force_login(staff("editor", "Editor", [register.delta]))
    before = Arrangement.objects.get(pk=legal.pk)
    response = client.post(
        change_url(legal),
        form_data(legal, memberships=rows(legal), summary="Changed by a prospective member"),
    )
    assert response.status_code == 403
    response = client.post(
        "/admin/register/arrangement/",
        {"action": "mark_ended", "_selected_action": [legal.pk]},
        follow=True,
    )
    assert "1 arrangement(s) left unchanged" in body(response)
    after = Arrangement.objects.get(pk=legal.pk)
    assert (after.summary, after.status, after.version) == (
        before.summary,
        before.status,
        before.version,
    )


def test_an_editor_cannot_make_their_last_membership_only_prospective(
    client, register, editor_of_beta
):
    """Taking part as partner, then saved as a prospective member: they could no longer
    change the arrangement, so it is refused like handing the membership away."""
    response = client.post(
        f"/admin/register/membership/{editor_of_beta.pk}/change/",
        {
            "arrangement": register.regulatory.pk,
            "authority": register.beta.pk,
            "role": "prospective",
        },
    )
    assert response.status_code == 200 and LAST in body(response)
    editor_of_beta.refresh_from_db()
    assert editor_of_beta.role in Membership.JOINED


def test_an_editor_may_remove_a_membership_when_one_of_theirs_stays(client, register, roles):
    client.force_login(staff("editor", "Editor", [register.alpha]))
    other = register.legal.memberships.get(authority=register.beta)
    response = client.post(f"/admin/register/membership/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=other.pk).exists()


# --- Two saves at once -------------------------------------------------------------------


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time, so two saves cannot overlap there")


def in_threads(*jobs):
    """Run each job in its own thread, with its own database connection, at once."""
    results = [None] * len(jobs)

    def run(number, job):
        try:
            results[number] = job()
        except Exception as error:  # noqa: BLE001  (reported to the test below)
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_admin_saves_at_the_same_moment_exactly_one_wins(postgresql_only, register, roles):
    """Both forms were opened at version 1 and are sent at the same moment: the admin's
    changes take turns (AdminWritesTakeTurnsMiddleware), and the second finds the first
    saved since it was opened."""
    first, second = staff("first", "Administrator"), staff("second", "Administrator")
    legal = register.legal
    together = threading.Barrier(2)

    def save(user, title):
        def job():
            browser = Client()
            browser.force_login(user)
            data = form_data(legal, memberships=rows(legal), title=title)
            together.wait(timeout=20)
            return browser.post(change_url(legal), data)

        return job

    answers = in_threads(save(first, "First's title"), save(second, "Second's title"))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.status_code for a in answers) == [200, 302]
    lost = next(a for a in answers if a.status_code == 200)
    won = next(a for a in answers if a.status_code == 302)
    page = body(lost)
    assert SOMEONE_ELSE in page and "changed title" in page
    legal.refresh_from_db()
    winner = "First's title" if won is answers[0] else "Second's title"
    loser = "Second's title" if winner == "First's title" else "First's title"
    assert legal.title == winner and legal.version == 2
    assert loser.replace("'", "&#x27;") in page  # what the loser typed is still in the form
    versions = list(legal.history.values_list("version", flat=True))
    assert len(versions) == len(set(versions)) == 2


@pytest.mark.django_db(transaction=True)
def test_a_programme_and_its_workstream_saved_at_the_same_moment_both_land(
    postgresql_only, register, roles, monkeypatch
):
    """The programme's form locks its row while it checks its version; the workstream's
    save, having rewritten the register's totals, checks its parent row as it commits.
    Unless the admin's changes take turns, each then waits for the other (the programme
    to rewrite the totals), and PostgreSQL ends one of them: a lost save. Here the
    workstream waits, after rewriting the totals, for the programme's form to have
    checked its version, as a slower request would."""
    from register import totals
    from register.forms import ArrangementAdminForm

    programme, workstream = register.legal, register.workstream
    assert workstream.parent_id == programme.pk
    programme_checked = threading.Event()
    checked, recompute = ArrangementAdminForm.clean, totals.recompute

    def clean(form):
        data = checked(form)
        if form.instance.pk == programme.pk:
            programme_checked.set()
        return data

    def slow_recompute(*args, **kwargs):
        recompute(*args, **kwargs)
        if getattr(threading.current_thread(), "saving", None) == "workstream":
            programme_checked.wait(timeout=3)  # never set while the programme waits its turn
            time.sleep(0.3)  # the programme's form on to rewriting the totals

    monkeypatch.setattr(ArrangementAdminForm, "clean", clean)
    monkeypatch.setattr(totals, "recompute", slow_recompute)

    def save(arrangement, who):
        def job():
            threading.current_thread().saving = who
            browser = Client()
            browser.force_login(staff(who, "Administrator"))
            data = form_data(arrangement, memberships=rows(arrangement), summary=f"By {who}")
            if who == "programme":
                time.sleep(0.2)  # after the workstream has started
            return browser.post(change_url(arrangement), data)

        return job

    answers = in_threads(save(programme, "programme"), save(workstream, "workstream"))
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302]
    assert Arrangement.objects.get(pk=programme.pk).summary == "By programme"
    assert Arrangement.objects.get(pk=workstream.pk).summary == "By workstream"
    assert totals.drift() == [] and stored_figures_drift() == []


def test_a_write_postgresql_ends_to_break_a_deadlock_asks_to_try_again():
    """Should two writes still end in a deadlock (two management commands, say), the one
    PostgreSQL ends is told to try again, as a busy SQLite database is."""
    from register.middleware import database_is_locked

    class DeadlockDetected(Exception):
        pgcode = "40P01"

    error = OperationalError("deadlock detected")
    error.__cause__ = DeadlockDetected()
    assert database_is_locked(error)
    other = OperationalError("could not connect")
    other.__cause__ = type("Refused", (Exception,), {"pgcode": "08006"})()
    assert not database_is_locked(other)


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_one_version_cannot_both_land(postgresql_only, register):
    together = threading.Barrier(2)

    def save(title):
        def job():
            arrangement = Arrangement.objects.get(pk=register.legal.pk)
            together.wait(timeout=20)
            arrangement.title = title
            arrangement.save()
            return title

        return job

    answers = in_threads(save("One"), save("Two"))
    refused = [a for a in answers if isinstance(a, ConcurrentEditError)]
    saved = [a for a in answers if isinstance(a, str)]
    assert len(refused) == 1 and len(saved) == 1, answers
    legal = Arrangement.objects.get(pk=register.legal.pk)
    assert legal.title == saved[0] and legal.version == 2


@pytest.mark.django_db(transaction=True)
def test_authorities_added_at_the_same_moment_each_take_their_own_position(
    postgresql_only, reference_data
):
    together = threading.Barrier(4)

    def add(number):
        def job():
            with transaction.atomic():
                together.wait(timeout=20)
                authority = AuthorityFactory(code=f"XQ{'ABCD'[number]}")
                time.sleep(0.3)  # still uncommitted while the others read the highest
            return authority.partner_position

        return job

    answers = in_threads(*(add(number) for number in range(4)))
    assert not [a for a in answers if isinstance(a, Exception)], answers
    stored = Authority.objects.filter(code__startswith="XQ").values_list(
        "partner_position", flat=True
    )
    assert sorted(stored) == sorted(answers)
    assert len(set(answers)) == 4 and max(answers) - min(answers) == 3


@pytest.mark.django_db(transaction=True)
def test_a_partner_added_while_the_arrangement_is_being_saved_is_counted(postgresql_only, register):
    """The arrangement's form is saving (its row locked, its figures to be worked out at
    the end) when a partner is added on the partner's own page: whichever writes last
    works the figures out after the other has committed, so both partners count."""
    locked, added = threading.Event(), threading.Event()
    legal = register.legal

    def save_the_form():
        with transaction.atomic():
            Arrangement.objects.select_for_update().get(pk=legal.pk)
            with refreshed_once():
                Membership.objects.create(arrangement_id=legal.pk, authority=register.gamma)
                locked.set()
                added.wait(timeout=2)  # the other page is waiting for the row by now
                time.sleep(0.5)

    def add_on_its_own_page():
        locked.wait(timeout=20)
        threading.Timer(0.2, added.set).start()
        with transaction.atomic():  # as the admin's page saves it
            Membership.objects.create(arrangement_id=legal.pk, authority=register.delta)

    answers = in_threads(save_the_form, add_on_its_own_page)
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert stored_figures_drift() == []
    legal.refresh_from_db()
    assert legal.partner_count == Membership.objects.taking_part().filter(arrangement=legal).count()


def test_a_bulk_delete_locks_the_arrangements_it_touches_once_in_order(
    postgresql_only, client, register, roles
):
    """Deleting partners of several arrangements at once locks those arrangements together,
    in primary-key order, as every other write does: locked one deletion at a time (in
    the order Django deletes, highest first) it could deadlock with an authority renamed
    at the same moment."""
    client.force_login(staff("bulk", "Administrator"))
    chosen = [
        register.legal.memberships.get(authority=register.beta),
        register.fostering.memberships.exclude(role="lead").order_by("pk").first(),
    ]
    arrangements = sorted(m.arrangement_id for m in chosen)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/admin/register/membership/",
            {
                "action": "delete_selected",
                "_selected_action": [m.pk for m in chosen],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    locks = [
        q["sql"]
        for q in queries.captured_queries
        if "FOR UPDATE" in q["sql"] and 'FROM "register_arrangement"' in q["sql"]
    ]
    ids = [[int(n) for n in re.findall(r"\b\d+\b", sql.split(" IN ")[-1])] for sql in locks]
    assert ids and all(found[: len(arrangements)] == arrangements for found in ids), locks
    assert stored_figures_drift() == []


def child_form_data(client, url) -> dict:
    """What a stand-alone partner, saving or milestone page posts, as it stands."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_a_saving_changed_on_its_own_page_makes_an_open_arrangement_form_stale(
    client, register, roles
):
    client.force_login(staff("admin1", "Administrator"))
    legal = register.legal
    saving = legal.savings.get(basis="estimated")
    opened = form_data(legal, memberships=rows(legal), summary="Typed after a while")
    url = f"/admin/register/saving/{saving.pk}/change/"
    changed = child_form_data(client, url) | {"amount": "800000"}
    assert client.post(url, changed).status_code == 302
    # The form opened before that change would write the old amount back: refused.
    page = body(client.post(change_url(legal), opened))
    assert SOMEONE_ELSE in page
    saving.refresh_from_db()
    assert saving.amount == 800000
    legal.refresh_from_db()
    assert legal.summary != "Typed after a while"


def test_deleting_a_milestone_or_saving_on_its_own_page_moves_the_version_on(
    client, register, roles
):
    client.force_login(staff("admin1", "Administrator"))
    fostering = register.fostering
    before = fostering.version
    milestone = fostering.milestones.first()
    response = client.post(f"/admin/register/milestone/{milestone.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    fostering.refresh_from_db()
    assert fostering.version == before + 1


def test_a_save_from_an_old_version_is_refused_on_every_path(register):
    stale = Arrangement.objects.get(pk=register.legal.pk)
    fresh = Arrangement.objects.get(pk=register.legal.pk)
    fresh.title = "Fresh"
    fresh.save()
    stale.title = "Stale"
    with pytest.raises(ConcurrentEditError):
        stale.save()
    assert Arrangement.objects.get(pk=register.legal.pk).title == "Fresh"


def test_a_busy_database_asks_to_try_again_and_keeps_what_was_typed(
    client, register, roles, monkeypatch
):
    client.force_login(staff("admin1", "Administrator"))
    legal = register.legal

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Arrangement, "save", locked)
    response = client.post(
        change_url(legal), form_data(legal, memberships=rows(legal), title="Typed title")
    )
    assert response.status_code == 200
    page = body(response)
    assert "The register was busy" in page and "Press Save again" in page
    assert "Typed title" in page
    monkeypatch.undo()
    legal.refresh_from_db()
    assert legal.title == "Shared legal team" and legal.version == 1


def test_a_busy_database_elsewhere_is_a_clear_page_not_a_server_error(
    client, register, roles, monkeypatch
):
    client.force_login(staff("admin1", "Administrator"))
    region = Region.objects.get(slug="wales")

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Region, "save", locked)
    response = client.post(
        f"/admin/register/region/{region.pk}/change/",
        {"name": "Cymru", "slug": "wales", "nation": "Wales"},
    )
    assert response.status_code == 503
    assert "The register is busy: try again" in body(response)
    assert Saving.objects.count() > 0  # the rest of the register is untouched


@pytest.fixture
def turn_held_elsewhere(postgresql_only):
    """The lock the admin's changes take turns by, held by another session (as a background
    import holds it while it runs)."""
    from django.db import connections

    from register.totals import STATUS_TOTALS_LOCK

    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [STATUS_TOTALS_LOCK])
    yield
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [STATUS_TOTALS_LOCK])
    other.close()


@pytest.mark.django_db(transaction=True)
def test_an_admin_change_waits_a_bounded_time_for_its_turn_then_is_asked_to_try_again(
    client, register, roles, settings, turn_held_elsewhere
):
    settings.ADMIN_WRITE_WAIT_SECONDS = 1
    client.force_login(staff("admin1", "Administrator"))
    region = Region.objects.get(slug="wales")
    started = time.monotonic()
    response = client.post(
        f"/admin/register/region/{region.pk}/change/",
        {"name": "Cymru", "slug": "wales", "nation": "Wales"},
    )
    waited = time.monotonic() - started
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = body(response)
    assert "The register is busy: try again" in page and "nothing you sent has been saved" in page
    assert "or a bulk import, which can take a few minutes" in page  # not "at the same moment"
    assert 1 <= waited < 5  # its turn, for a second, not for as long as the holder keeps it
    region.refresh_from_db()
    assert region.name != "Cymru"
    # Reading is never held up.
    assert client.get(f"/admin/register/region/{region.pk}/change/").status_code == 200


# --- A partner's savings ------------------------------------------------------------------


@pytest.fixture
def partner_with_a_saving(client, register, roles):
    client.force_login(staff("admin1", "Administrator"))
    beta = register.legal.memberships.get(authority=register.beta)
    Saving.objects.create(
        arrangement=register.legal, authority=register.beta, amount=100, basis="achieved"
    )
    return beta


SAVINGS_LEFT = "has 1 saving recorded in this arrangement"


def test_a_partner_with_savings_cannot_be_deleted_alone(client, partner_with_a_saving):
    url = f"/admin/register/membership/{partner_with_a_saving.pk}/delete/"
    response = client.post(url, {"post": "yes"}, follow=True)
    assert SAVINGS_LEFT in body(response)
    response = client.post(
        "/admin/register/membership/",
        {
            "action": "delete_selected",
            "_selected_action": [partner_with_a_saving.pk],
            "post": "yes",
        },
        follow=True,
    )
    assert SAVINGS_LEFT in body(response)
    assert Membership.objects.filter(pk=partner_with_a_saving.pk).exists()


def test_a_partner_with_savings_cannot_be_handed_to_another_authority(
    client, register, partner_with_a_saving
):
    response = client.post(
        f"/admin/register/membership/{partner_with_a_saving.pk}/change/",
        {"arrangement": register.legal.pk, "authority": register.gamma.pk, "role": "partner"},
    )
    assert response.status_code == 200 and SAVINGS_LEFT in body(response)
    partner_with_a_saving.refresh_from_db()
    assert partner_with_a_saving.authority == register.beta
