import io

import pytest
from django.core.management import call_command

from tests.factories import ArrangementFactory, AuthorityFactory


@pytest.fixture
def authorities(reference_data):
    """The 376 England and Wales authorities of 1 April 2012, as set-up imports them."""
    call_command("import_authorities", stdout=io.StringIO())


@pytest.fixture
def seeded(authorities):
    """The two papers and the national figures, as set-up loads them."""
    call_command("load_seed", stdout=io.StringIO())


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
