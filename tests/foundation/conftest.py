import pytest

from tests.factories import ArrangementFactory, AuthorityFactory


@pytest.fixture
def council(reference_data):
    return AuthorityFactory(code="AAA", name="Alpha", tier="MD", gss_code="E08999991")


@pytest.fixture
def other_council(reference_data):
    return AuthorityFactory(code="BBB", name="Beta", tier="NMD", gss_code="E07999991")


@pytest.fixture
def arrangement(reference_data):
    return ArrangementFactory(
        title="Shared legal service",
        slug="shared-legal",
        kind="shared_service",
        status="operational",
        service_areas=["legal"],
    )
