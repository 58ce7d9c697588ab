import io

import pytest
from django.core.management import call_command


@pytest.fixture
def roles(db):
    """The Viewer, Editor and Administrator groups, as set-up creates them."""
    call_command("setup_roles", stdout=io.StringIO())
