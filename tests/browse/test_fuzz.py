"""Random query strings thrown at every list URL never produce a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PARAMETERS = [
    "q",
    "service_area",
    "kind",
    "status",
    "authority",
    "role",
    "tier",
    "tier_level",
    "region",
    "partnership",
    "parent",
    "has_savings",
    "open_to_members",
    "savings_min",
    "savings_max",
    "financial_year",
    "saving_basis",
    "start_year_min",
    "start_year_max",
    "sort",
    "page",
    "per_page",
    "_export",
    "name",
    "participating",
    "junk",
]
LIST_URLS = ["/arrangements/", "/authorities/", "/service-areas/legal/"]

values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "-1",
            "0",
            "1e999",
            "NaN",
            "legal",
            "CLD",
            "2012/13",
            "csv",
            "-title",
            "\x00",
            "%00",
            "yes",
            "lead",
            "operational",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=st.sampled_from(LIST_URLS),
    params=st.lists(st.tuples(st.sampled_from(PARAMETERS), values), max_size=6),
)
def test_no_parameters_cause_a_server_error(client, reference_data, url, params):
    response = client.get(url, params if not params else _as_multi(params))
    assert response.status_code < 500


def _as_multi(pairs):
    data = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data
