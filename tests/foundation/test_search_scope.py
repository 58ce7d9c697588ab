"""Search covers service areas and partnerships, explains its order, and suggests the
nearest filter when it finds nothing."""

import re

import pytest

from register.models import Arrangement, ServiceArea

pytestmark = pytest.mark.django_db


def found(client, q):
    page = client.get("/arrangements/", {"q": q, "per_page": 100}).content.decode()
    return int(re.search(r'id="total-arrangements">(\d+)<', page).group(1)), page


def test_searching_a_service_area_finds_everything_tagged_with_it(client, seeded):
    legal = Arrangement.objects.filter(service_areas__slug="legal").distinct().count()
    assert legal == 13
    count, _ = found(client, "legal services")
    assert count == legal


def test_searching_a_partnership_by_name_or_short_name(client, seeded):
    awya = Arrangement.objects.filter(partnership__slug="awya").count()
    assert found(client, "AWYA")[0] == awya
    assert found(client, "Association of West Yorkshire Authorities")[0] == awya


def test_a_renamed_service_area_is_found_by_its_new_name(client, seeded):
    area = ServiceArea.objects.get(slug="building-control")
    area.name = "Building regulation"
    area.save()
    assert found(client, "regulation")[0] >= 2


def test_no_results_suggest_the_nearest_filter(client, seeded):
    count, page = found(client, "internal audit")
    assert count == 0
    assert "No arrangement mentions “internal audit”" in page
    assert "Audit and fraud" in page
    assert 'href="/arrangements/?service_area=audit' in page


def test_the_order_of_results_is_explained(client, seeded):
    _, page = found(client, "fostering")
    assert "Results are in order of relevance" in page
