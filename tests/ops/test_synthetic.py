import io
from collections import Counter

import pytest
from django.core.management import call_command

from perf.synthetic import generate, remove_synthetic
from register.models import Arrangement, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def authorities(reference_data):
    call_command("import_authorities", stdout=io.StringIO())


def test_a_realistic_deterministic_data_set(authorities):
    counts = generate(60, seed=7)
    assert counts["arrangements"] == Arrangement.objects.count() == 60
    per_arrangement = Counter(Membership.objects.values_list("arrangement_id", flat=True))
    assert all(2 <= n <= 12 for n in per_arrangement.values())
    leads = Counter(Membership.objects.filter(role="lead").values_list("arrangement_id", flat=True))
    assert len(leads) == 60 and set(leads.values()) == {1}
    assert Arrangement.objects.filter(parent__isnull=False).count() == counts["workstreams"]
    assert all(a.search_document for a in Arrangement.objects.all())
    titles = list(Arrangement.objects.order_by("slug").values_list("title", flat=True))
    remove_synthetic()
    assert not Arrangement.objects.exists()
    generate(60, seed=7)
    assert list(Arrangement.objects.order_by("slug").values_list("title", flat=True)) == titles


def test_the_command_reports_and_refuses_without_authorities(reference_data):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Load the authorities first"):
        call_command("generate_synthetic", "--arrangements", "5", stdout=io.StringIO())
