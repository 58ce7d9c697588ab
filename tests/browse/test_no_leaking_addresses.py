"""One reader's address never reaches another reader's page (a cached page once carried
the first visitor's extra parameters into everyone's sort and page links)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/arrangements/", "/service-areas/legal/"])
def test_links_are_built_from_each_readers_own_address(client, register, path):
    poisoned = client.get(path, {"status": "operational", "utm_source": "POISON"})
    assert "POISON" in poisoned.content.decode()  # its own links keep its own address
    clean = client.get(path, {"status": "operational"}).content.decode()
    assert "POISON" not in clean


def test_a_briefing_links_to_itself_alone(client, register):
    client.get("/summary/briefing/", {"partnership": "northern", "utm_source": "POISON"})
    clean = client.get("/summary/briefing/", {"partnership": "northern"}).content.decode()
    assert "POISON" not in clean
