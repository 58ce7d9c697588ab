"""org-id identifiers: GB-LAE for England's councils, GB-PLA for Wales's, from the
register codes the authorities CSV records; none made up for councils neither lists."""

import csv
import io

import pytest

from register.identifiers import org_id_of
from register.models import Authority
from tests.factories import body


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("local-authority-eng:CLD", "GB-LAE-CLD"),
        ("principal-local-authority:AGY", "GB-PLA-AGY"),
        (" local-authority-eng:KIR ", "GB-LAE-KIR"),
        # Scotland and Northern Ireland are not the register's; their lists are left out.
        ("local-authority-sct:ABD", ""),
        ("local-authority-nir:ABC", ""),
        ("", ""),
        ("local-authority-eng:", ""),
        ("local-authority-eng:not a code", ""),
    ],
)
def test_org_id_from_the_register_and_code(given, expected):
    assert org_id_of(given) == expected


def test_imported_authorities_carry_their_org_id(authorities):
    ids = dict(Authority.objects.values_list("code", "org_id"))
    assert ids["CLD"] == "GB-LAE-CLD"
    assert ids["KIR"] == "GB-LAE-KIR"
    assert ids["AGY"] == "GB-PLA-AGY"  # Isle of Anglesey, in Wales
    assert ids["CRF"] == "GB-PLA-CRF"
    # Created after the registers closed: the source gives no register code, and none is
    # made up.
    assert ids["NYE"] == ""
    welsh = Authority.objects.filter(region__nation="Wales").exclude(org_id="")
    assert welsh.exists()
    assert all(a.org_id.startswith("GB-PLA-") for a in welsh)
    english = Authority.objects.filter(region__nation="England").exclude(org_id="")
    assert all(a.org_id.startswith("GB-LAE-") for a in english)


def test_the_authority_page_shows_its_org_id(client, authorities):
    assert "GB-LAE-CLD" in client.get("/authorities/CLD/").content.decode()
    page = client.get("/authorities/NYE/").content.decode()
    assert "neither the Local Authorities for England register" in page


def test_the_authorities_download_has_gss_codes_and_org_ids(client, authorities):
    rows = list(csv.DictReader(io.StringIO(body(client.get("/authorities/?_export=csv")))))
    calderdale = next(row for row in rows if row["Code"] == "CLD")
    assert calderdale["GSS code"] == "E08000033"
    assert calderdale["org-id"] == "GB-LAE-CLD"
