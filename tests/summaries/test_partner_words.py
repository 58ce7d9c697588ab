"""Who takes part, stored as partner words on each arrangement: each authority's bit is
its partner_position, and any set of arrangements OR-s them to say who takes part."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register import groups, summaries
from register.figures import PARTNER_POSITIONS, partner_words, positions_in
from register.models import Arrangement, Authority, Membership
from tests.factories import AuthorityFactory, make_arrangement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "positions", [set(), {0}, {63}, {64}, {0, 62, 63, 64, 127, 500, 1023}, set(range(1024))]
)
def test_the_words_give_back_the_positions_put_in(positions):
    words = partner_words(positions)
    assert all(-(1 << 63) <= word < 1 << 63 for word in words.values())  # a signed bigint
    assert positions_in(words.values()) == positions


def test_positions_out_of_range_are_left_out():
    assert positions_in(partner_words([None, -1, PARTNER_POSITIONS, 5]).values()) == {5}


def test_authorities_are_given_positions_in_order_and_keep_them(reference_data):
    first, second = AuthorityFactory(), AuthorityFactory()
    assert second.partner_position == first.partner_position + 1
    first.name = "Renamed"
    first.save()
    first.refresh_from_db()
    assert first.partner_position == second.partner_position - 1


def taking_part(register):
    visible = Arrangement.objects.filter(exempt=False)
    by_category = {key: figures.partners for key, figures in groups.by_category(visible).items()}
    return (
        summaries.list_totals(visible).authorities,
        summaries.list_totals(visible.filter(status="not_pursued")).authorities,
        summaries.taking_part_authorities(visible.filter(status="not_pursued")),
        {key: by_category[key] for key in sorted(by_category)},
        summaries.tier_summary(visible, Authority.objects.all()).taking_part,
        [(row.key, row.participating) for row in summaries.region_figures(visible, [])["rows"]],
    )


@pytest.mark.parametrize("position", [None, PARTNER_POSITIONS])
def test_an_authority_the_words_cannot_hold_is_counted_from_the_memberships(register, position):
    words = taking_part(register)
    dropped = Membership.objects.taking_part().filter(arrangement__status="not_pursued")
    assert words[:3] == (4, 2, set(dropped.values_list("authority_id", flat=True)))
    with CaptureQueriesContext(connection) as read_from_words:
        taking_part(register)
    Authority.objects.filter(pk=register.gamma.pk).update(partner_position=position)
    with CaptureQueriesContext(connection) as read_from_memberships:
        assert taking_part(register) == words
    if connection.vendor == "postgresql":  # the words, then the memberships, were read
        sql = " ".join(q["sql"] for q in read_from_words)
        assert "BIT_OR" in sql and "register_membership" not in sql
    assert any("register_membership" in q["sql"] for q in read_from_memberships)


def test_a_new_partner_sets_its_bit(register):
    newcomer = AuthorityFactory()
    make_arrangement("Newcomers' service", members=[newcomer, register.delta])
    assert newcomer.pk in summaries.taking_part_authorities(Arrangement.objects.all())
    stored = Arrangement.objects.get(title="Newcomers' service")
    bits = positions_in(getattr(stored, f"partners_{word}") for word in range(16))
    assert bits == {newcomer.partner_position, register.delta.partner_position}


@pytest.mark.parametrize("position", ["kept", None])
def test_taking_part_and_sources_in_one_pass(seeded, position):
    if position is None:  # an authority the words cannot hold: the memberships say
        Authority.objects.filter(pk=Authority.objects.order_by("pk").first().pk).update(
            partner_position=None
        )
    # Two unconnected arrangements beside the papers' partnerships: a programme and its
    # workstream (one source), and one with no partners at all (none).
    councils = list(Authority.objects.order_by("code")[:3])
    programme = make_arrangement("Shared audit", members=councils[:2])
    make_arrangement("Audit workstream", members=councils[1:], parent=programme)
    make_arrangement("An idea with no partners yet")
    visible = Arrangement.objects.filter(exempt=False)
    with_partners = visible.filter(memberships__role__in=Membership.JOINED).distinct()
    partnerships = set(
        with_partners.exclude(partnership=None).values_list("partnership", flat=True)
    )
    unconnected = {
        parent or pk
        for pk, parent in with_partners.filter(partnership=None).values_list("pk", "parent")
    }
    taking_part = set(
        Membership.objects.taking_part()
        .filter(arrangement__in=visible)
        .values_list("authority", flat=True)
    )
    assert partnerships and unconnected
    assert summaries.taking_part_and_sources(visible) == summaries.InView(
        visible.count(), taking_part, len(partnerships), len(unconnected)
    )


def test_categories_from_the_words_are_those_from_the_memberships(seeded, monkeypatch):
    """On PostgreSQL a category's arrangements, sources and partners come from one pass
    over the tags with the partner words; elsewhere (or when the words cannot say) from
    the tags and the memberships. Both must count each arrangement once in a category,
    however many of its services it is tagged with, and each source once."""
    if connection.vendor != "postgresql":
        pytest.skip("the partner words are read on PostgreSQL only")
    councils = list(Authority.objects.order_by("code")[:3])
    programme = make_arrangement("Shared audit", members=councils[:2], areas=["audit"])
    make_arrangement(
        "Audit workstream", members=councils[1:], parent=programme, areas=["audit", "finance"]
    )
    make_arrangement("Two services of one category", members=councils[:1],
                     areas=["audit", "finance", "procurement"])  # fmt: skip
    make_arrangement("Hidden", members=councils, areas=["audit"], exempt=True)
    visible = Arrangement.objects.filter(exempt=False)
    for arrangements in (visible, visible.filter(status="operational"), visible.none()):
        from_words = groups.by_category(arrangements)
        monkeypatch.setattr(groups, "partner_positions", lambda: None)
        from_memberships = groups.by_category(arrangements)
        monkeypatch.undo()
        assert from_words == from_memberships
    assert groups.by_category(visible)  # something was compared
