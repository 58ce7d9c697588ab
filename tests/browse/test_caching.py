"""Cached totals and summaries: served from the cache while the data is unchanged, and
never stale after any kind of write, for each audience separately."""

import io
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from perf.synthetic import generate
from register.caching import change_pending, data_changed, data_version
from register.models import Arrangement, Membership, Saving, ServiceArea
from tests.factories import body, make_arrangement

pytestmark = pytest.mark.django_db

LIST = "/arrangements/"


def totals(client, url=LIST):
    return client.get(url).context["totals"]


def area_count(client, slug):
    rows = client.get("/summary/service-areas/").context["rows"]
    return next((row.arrangements for row in rows if row.slug == slug), 0)


def test_a_repeated_list_page_runs_one_query(client, register):
    first = client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(LIST)
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "register_dataversion" in queries.captured_queries[0]["sql"]
    assert again.context["totals"].arrangements == 4
    assert body(again).count("govuk-table__row") == body(first).count("govuk-table__row") == 5


def test_the_rows_shown_are_fresh_after_an_edit(client, register):
    assert "Shared legal team" in body(client.get(LIST))
    register.legal.title = "Joint legal service"
    register.legal.save()
    text = body(client.get(LIST))
    assert "Joint legal service" in text and "Shared legal team" not in text


def test_each_page_and_order_has_its_own_rows(client, register):
    by_title = body(client.get(f"{LIST}?per_page=25"))
    reversed_ = body(client.get(f"{LIST}?per_page=25&sort=-title"))
    assert by_title.index("Costs draftsman") < by_title.index("Shared legal team")
    assert reversed_.index("Costs draftsman") > reversed_.index("Shared legal team")


def test_a_repeated_summary_runs_one_query(client, register):
    client.get("/summary/tiers/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/summary/tiers/")
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "register_dataversion" in queries.captured_queries[0]["sql"]


def test_saving_a_record_makes_list_totals_fresh(client, register):
    before = totals(client)
    Saving.objects.create(arrangement=register.legal, amount=Decimal("1234"), basis="estimated")
    after = totals(client)
    assert after.headline.lower == before.headline.lower + Decimal("1234")


def test_deleting_a_record_makes_totals_fresh(client, register):
    assert totals(client).arrangements == 4
    register.regulatory.delete()
    assert totals(client).arrangements == 3


def test_a_new_partner_changes_the_authority_count(client, register):
    filtered = f"{LIST}?status=not_pursued"
    assert totals(client, filtered).authorities == 2
    Membership.objects.create(arrangement=register.regulatory, authority=register.alpha)
    assert totals(client, filtered).authorities == 3


def test_retagging_service_areas_makes_summaries_fresh(client, register):
    assert area_count(client, "fostering") == 1
    register.legal.service_areas.add(ServiceArea.objects.get(slug="fostering"))
    assert area_count(client, "fostering") == 2
    register.legal.service_areas.clear()
    assert area_count(client, "fostering") == 1


def test_each_filter_has_its_own_totals(client, register):
    assert totals(client, f"{LIST}?status=operational").arrangements == 1
    assert totals(client, f"{LIST}?status=procurement").arrangements == 1
    assert totals(client, f"{LIST}?status=operational&status=procurement").arrangements == 2
    # The page and sort order do not change the figures, so they share them.
    assert totals(client, f"{LIST}?sort=title&status=operational&page=1").arrangements == 1


def test_the_public_never_gets_figures_cached_for_a_viewer(client, register, viewer):
    client.force_login(viewer)
    assert totals(client).arrangements == 5
    client.logout()
    assert totals(client).arrangements == 4
    assert client.get("/").context["totals"].arrangements == 4
    client.force_login(viewer)
    assert client.get("/").context["totals"].arrangements == 5


def test_an_admin_status_change_makes_the_pipeline_fresh(client, register, admin_client):
    def not_pursued(c):
        rows = c.get("/summary/pipeline/").context["statuses"]
        return next(row["count"] for row in rows if row["status"] == "not_pursued")

    assert not_pursued(client) == 1
    response = admin_client.post(
        "/admin/register/arrangement/",
        {
            "action": "mark_not_pursued",
            "_selected_action": [register.legal.pk],
            "reason": "Dropped at the meeting",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Arrangement.objects.get(pk=register.legal.pk).status == "not_pursued"
    assert not_pursued(client) == 2


@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_many_writes_makes_one_new_version(register, monkeypatch):
    from register import caching

    written = []
    monkeypatch.setattr(caching, "_new_version", lambda: written.append(1))
    with transaction.atomic():
        for n in range(5):
            Saving.objects.create(arrangement=register.legal, amount=Decimal(n), basis="estimated")
        register.legal.service_areas.clear()
        assert written == []  # not before the commit
    assert written == [1]


def test_generated_rows_make_totals_fresh(client, register):
    call_command("import_authorities", stdout=io.StringIO())
    before = totals(client).arrangements
    generate(20, seed=3)  # bulk inserts send no signals; the generator says so itself
    added = Arrangement.objects.filter(slug__startswith="synthetic-", exempt=False).count()
    assert added > 0
    assert totals(client).arrangements == before + added


def test_the_cache_can_be_turned_off(client, register, settings):
    settings.REGISTER_CACHE_SECONDS = 0
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any('"register_saving"."basis" AS "basis"' in s for s in sql), sql
    assert not any("register_dataversion" in s for s in sql), sql


def test_a_new_version_each_time(db):
    data_changed()
    first = data_version()
    data_changed()
    assert data_version() not in (first, "none")


def test_clear_register_cache_makes_figures_stale(client, register):
    before = data_version()
    out = io.StringIO()
    call_command("clear_register_cache", stdout=out)
    assert data_version() != before
    assert data_version() in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_sees_its_own_changes_and_the_version_moves_at_commit(client, register):
    assert totals(client).arrangements == 4
    version = data_version()
    with transaction.atomic():
        make_arrangement("Shared payroll", members=[register.alpha])
        assert data_version() == version  # not before the commit
        assert change_pending()
        # Its own reads bypass the cache: the new row counts.
        assert totals(client).arrangements == 5
    assert data_version() != version
    assert not change_pending()
    assert totals(client).arrangements == 5


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_the_version_alone(client, register):
    assert totals(client).arrangements == 4
    version = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_arrangement("Abandoned", members=[register.alpha])
        raise RuntimeError("the user cancelled")
    assert data_version() == version
    assert not change_pending()
    assert totals(client).arrangements == 4


@pytest.mark.django_db(transaction=True)
def test_writers_do_not_hold_the_version_row_until_they_commit(reference_data):
    """Another connection can change the version while a transaction that has written
    data is still open: nobody queues behind the version row."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time whatever the app does")
    data_changed()
    errors = []

    def other_writer():
        from django.db import connection as other

        try:
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            data_changed()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            other.close()

    with transaction.atomic():
        Arrangement.objects.create(title="Open", slug="open", kind="shared_service")
        before = data_version()
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(timeout=10)
        assert not errors, errors
    assert data_version() != before


def test_an_invalid_filter_never_answers_for_a_valid_one(client, register):
    """A value with a stray space is invalid (no rows), and must not be cached as the
    answer to the same value without the space."""
    assert totals(client, f"{LIST}?status=%20operational").arrangements == 0
    assert totals(client, f"{LIST}?status=operational").arrangements == 1
    rows = client.get("/summary/service-areas/?region=%20wales").context["rows"]
    assert rows == []
    rows = client.get("/summary/service-areas/?region=wales").context["rows"]
    assert rows


def test_the_order_of_repeated_values_is_part_of_the_key(client, register):
    """A filter that takes one value uses the last one given."""
    first = totals(client, f"{LIST}?has_savings=no&has_savings=yes").arrangements
    second = totals(client, f"{LIST}?has_savings=yes&has_savings=no").arrangements
    assert (first, second) == (3, 1)


def test_unknown_parameters_share_the_cached_figures(client, register):
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{LIST}?utm_source=newsletter")
    assert len(queries) == 1 and response.status_code == 200


def test_the_cached_briefing_links_to_itself_without_anyone_elses_parameters(client, register):
    client.get("/summary/briefing/?authority=ALP&utm_campaign=somebody")
    text = body(client.get("/summary/briefing/?authority=ALP"))
    assert 'href="http://testserver/summary/briefing/?authority=ALP">online version' in text
    assert "somebody" not in text


def test_a_broken_cache_costs_speed_not_the_page(client, register, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["totals"].arrangements == 4
    assert client.get("/summary/tiers/").status_code == 200


def test_migrations_make_cached_figures_stale(db):
    from register.apps import new_data_version_after_migrate

    data_changed()
    before = data_version()
    new_data_version_after_migrate(sender=None, plan=[], using="default")
    assert data_version() == before  # nothing migrated, nothing changed
    new_data_version_after_migrate(sender=None, plan=[("a migration", False)], using="default")
    assert data_version() != before


def test_servers_on_different_releases_never_share_figures(client, register, settings):
    settings.REGISTER_RELEASE = "release-one"
    client.get(LIST)
    settings.REGISTER_RELEASE = "release-two"
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    assert len(queries) > 1  # computed again, not read from the other release's entry
    settings.REGISTER_RELEASE = "release-one"
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    assert len(queries) == 1
