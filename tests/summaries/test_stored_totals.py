"""The register's stored totals (register.totals): a list nobody has narrowed, and the home
page, add up the totals stored by status instead of every arrangement. They must say
exactly what a count of the arrangements says, after every kind of change, on every path
a change can take."""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from register import summaries, totals
from register.importers import ArrangementResource
from register.models import Arrangement, Membership, Saving, StatusTotal
from tests.admin.test_admin import change_url, form_data, membership
from tests.admin.test_import_export import GOOD, dataset
from tests.factories import PASSWORD, AuthorityFactory, make_arrangement

pytestmark = pytest.mark.django_db


@pytest.fixture
def exempt_reader(db):
    user = User.objects.create_user("reader", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="view_exempt_arrangement"))
    return User.objects.get(pk=user.pk)  # permissions are cached on the instance


def assert_in_step(*readers):
    """What is stored adds up to what a count of the arrangements says, for a reader who
    may see exempt arrangements and for one who may not."""
    assert totals.drift() == []
    for reader in readers:
        visible = Arrangement.objects.visible_to(reader)
        stored = summaries.list_totals(visible, unfiltered_for=reader)
        counted = summaries.list_totals(visible)
        assert stored == counted  # by_status included
        assert stored.arrangements == visible.count()
        assert stored.by_status == {
            status: visible.filter(status=status).count()
            for status in set(visible.values_list("status", flat=True))
        }


def test_every_change_through_the_models_keeps_the_totals_in_step(register, exempt_reader):
    readers = (AnonymousUser(), exempt_reader)
    assert_in_step(*readers)
    before = summaries.list_totals(Arrangement.objects.all(), unfiltered_for=exempt_reader)

    register.fostering.status = "ended"  # into the headline
    register.fostering.save()
    assert_in_step(*readers)
    register.legal.exempt = True  # out of the public's totals
    register.legal.save()
    assert_in_step(*readers)
    Saving.objects.create(
        arrangement=register.regulatory,
        authority=register.gamma,
        amount=Decimal("12345.67"),
        basis="estimated",
        qualifier="over",
    )
    assert_in_step(*readers)
    Membership.objects.filter(arrangement=register.fostering).first().delete()
    assert_in_step(*readers)
    make_arrangement("A new idea", members=[register.delta], status="proposed")
    assert_in_step(*readers)
    register.workstream.delete()
    assert_in_step(*readers)

    after = summaries.list_totals(Arrangement.objects.all(), unfiltered_for=exempt_reader)
    assert after != before  # the changes above changed what is shown


def test_the_admin_form_the_status_action_a_delete_and_an_import_keep_them_in_step(
    client, register, exempt_reader
):
    admin = User.objects.create_superuser("boss", password=PASSWORD)
    client.force_login(admin)
    readers = (AnonymousUser(), exempt_reader)
    # A change form: the arrangement with its partners, worked out once.
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            change_url(register.regulatory),
            form_data(
                register.regulatory,
                memberships=[membership(AuthorityFactory()), membership(AuthorityFactory())],
                status="operational",
            ),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    rewrites = [
        q for q in queries.captured_queries if 'DELETE FROM "register_statustotal"' in q["sql"]
    ]
    assert len(rewrites) == 1
    assert_in_step(*readers)
    # Several marked at once.
    response = client.post(
        "/admin/register/arrangement/",
        {"action": "mark_not_pursued", "_selected_action": [register.legal.pk, register.secret.pk]},
    )
    assert response.status_code == 302
    assert_in_step(*readers)
    # Deleted with what hangs off it.
    response = client.post(
        f"/admin/register/arrangement/{register.fostering.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Arrangement.objects.filter(pk=register.fostering.pk).exists()
    assert_in_step(*readers)
    # A file imported.
    result = ArrangementResource().import_data(dataset(GOOD), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert_in_step(*readers)


def test_a_list_nobody_has_narrowed_reads_the_stored_totals_not_every_row(client, register):
    def totals_queries(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return [
            q["sql"]
            for q in queries.captured_queries
            if "SUM(" in q["sql"] and 'FROM "register_arrangement"' in q["sql"]
        ]

    assert totals_queries("/arrangements/") == []
    assert totals_queries("/arrangements/?sort=-savings_total&page=1") == []
    assert totals_queries("/") == []
    assert totals_queries("/summary/") == []
    # A narrowed list still adds up its own rows.
    assert len(totals_queries("/arrangements/?status=operational")) == 1
    # And what the page shows is what a count says.
    response = client.get("/arrangements/")
    visible = Arrangement.objects.visible_to(AnonymousUser())
    assert response.context["totals"] == summaries.list_totals(visible)
    index = client.get("/summary/")
    assert index.context["totals"] == summaries.list_totals(visible)
    assert index.context["operational"] == visible.filter(status="operational").count()
    # A summary whose narrowing cannot be used shows nothing, not the whole register.
    wrong = client.get("/summary/?status=nonsense")
    assert wrong.context["totals"].arrangements == 0
    home = client.get("/")
    assert {row["status"]: row["n"] for row in home.context["status_counts"]} == {
        status: visible.filter(status=status).count()
        for status in set(visible.values_list("status", flat=True))
    }


def test_check_register_finds_totals_that_do_not_add_up_and_fixes_them(register, capsys):
    StatusTotal.objects.filter(exempt=False, status="operational").update(arrangements=999)
    StatusTotal.objects.filter(exempt=False, status="not_pursued").delete()
    with pytest.raises(CommandError, match="2 stored total"):
        call_command("check_register")
    out = capsys.readouterr().out
    assert "Stored totals: operational arrangements are not added up as stored." in out
    assert "Stored totals: no row for not_pursued arrangements." in out
    call_command("check_register", "--fix")
    assert totals.drift() == []
    call_command("check_register")
    assert "the stored totals add up" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_changes_at_the_same_moment_are_both_counted(register, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time, so two changes cannot overlap there")
    together = threading.Barrier(2)
    counted = threading.Barrier(2)
    errors = []
    count = totals.computed

    def count_then_wait(*args, **kwargs):
        """Each writer, having counted, waits (a little) for the other to have counted
        too: without writers taking turns, both would write a count without the other's
        change. Taking turns, the second cannot count until the first has committed."""
        groups = count(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            counted.wait(timeout=2)
        return groups

    monkeypatch.setattr(totals, "computed", count_then_wait)

    def mark(pk, status):
        def job():
            try:
                with transaction.atomic():
                    arrangement = Arrangement.objects.get(pk=pk)
                    arrangement.status = status
                    together.wait(timeout=10)  # both have read; now both write
                    arrangement.save()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                connection.close()

        return job

    threads = [
        threading.Thread(target=mark(register.fostering.pk, "ended")),
        threading.Thread(target=mark(register.regulatory.pk, "operational")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    statuses = dict(Arrangement.objects.values_list("pk", "status"))
    assert statuses[register.fostering.pk] == "ended"
    assert statuses[register.regulatory.pk] == "operational"
    assert totals.drift() == []
