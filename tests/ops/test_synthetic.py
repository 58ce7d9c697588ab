import io
from collections import Counter

import pytest
from django.core.management import call_command

from perf.synthetic import generate, remove_synthetic
from register.figures import stored_figures_drift
from register.models import Arrangement, Membership, Partnership, Saving

pytestmark = pytest.mark.django_db


def test_a_realistic_deterministic_data_set(authorities):
    counts = generate(300, seed=7)
    assert counts["arrangements"] == Arrangement.objects.count() == 300
    per_arrangement = Counter(Membership.objects.values_list("arrangement_id", flat=True))
    assert all(2 <= n <= 12 for n in per_arrangement.values())
    # A lead for most, never two; some members joining, prospective or withdrawn.
    leads = Counter(Membership.objects.filter(role="lead").values_list("arrangement_id", flat=True))
    assert set(leads.values()) == {1} and 200 < len(leads) < 300
    roles = set(Membership.objects.values_list("role", flat=True))
    assert {"lead", "partner", "joining", "prospective"} <= roles
    # Every status; savings with every qualifier, some only a percentage, some a partner's.
    assert set(Arrangement.objects.values_list("status", flat=True)) == set(Arrangement.Status)
    assert set(Saving.objects.values_list("qualifier", flat=True)) == set(Saving.Qualifier)
    assert Saving.objects.filter(amount__isnull=True, percentage__isnull=False).exists()
    assert Saving.objects.filter(authority__isnull=False).exists()
    assert Arrangement.objects.filter(exempt=True).exists()
    assert Arrangement.objects.filter(partnership__slug__startswith="synthetic-").exists()
    assert Arrangement.objects.filter(parent__isnull=False).count() == counts["workstreams"]
    assert all(a.search_document for a in Arrangement.objects.all())
    assert stored_figures_drift() == []  # partner counts, leads and savings stored
    titles = list(Arrangement.objects.order_by("slug").values_list("title", flat=True))
    assert remove_synthetic() == 300
    assert not Arrangement.objects.exists() and not Membership.objects.exists()
    assert not Partnership.objects.filter(slug__startswith="synthetic-").exists()
    generate(300, seed=7)
    assert list(Arrangement.objects.order_by("slug").values_list("title", flat=True)) == titles


def test_removing_synthetic_rows_leaves_real_ones(seeded):
    """The seed papers' arrangements and partnership are the real ones."""
    real = set(Arrangement.objects.values_list("pk", flat=True))
    partnerships = set(Partnership.objects.values_list("pk", flat=True))
    assert real and partnerships
    generate(30, seed=2)
    remove_synthetic()
    assert set(Arrangement.objects.values_list("pk", flat=True)) == real
    assert set(Partnership.objects.values_list("pk", flat=True)) == partnerships


def test_the_command_reports_and_refuses_without_authorities(reference_data):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Load the authorities first"):
        call_command("generate_synthetic", "--arrangements", "5", stdout=io.StringIO())
