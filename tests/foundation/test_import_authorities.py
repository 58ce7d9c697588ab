"""The authority importer: counts, corrections, derivations, idempotence, bad rows."""

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from register.importers import AUTHORITIES_CSV, import_authorities
from register.models import Authority

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_authorities", *args, stdout=out)
    return out.getvalue()


def test_counts_per_tier_on_1_april_2012(imported_authorities):
    output = imported_authorities
    # The 376 of 1 April 2012, and the 12 councils that have replaced some of them since.
    assert "Authorities: 388 created, 0 updated, 0 unchanged." in output
    counts = Counter(Authority.objects.existing_on().values_list("tier__code", flat=True))
    assert counts == {
        "NMD": 201,
        "UA": 56,
        "MD": 36,
        "LBO": 32,
        "CTY": 27,
        "WPA": 22,
        "SRA": 1,
        "CC": 1,
    }
    levels = Counter(Authority.objects.existing_on().values_list("tier__level", flat=True))
    assert levels == {"lower": 201, "single": 147, "upper": 27, "other": 1}
    # Active on the date: Christchurch (abolished 2019) is in; Buckinghamshire Council (2020)
    # is imported only as the successor of councils that were.
    assert Authority.objects.existing_on().filter(code="CHC").exists()
    buckinghamshire = Authority.objects.get(code="BUC")
    assert not Authority.objects.existing_on().filter(code="BUC").exists()
    assert set(buckinghamshire.predecessors.values_list("code", flat=True)) >= {"BKM", "SBU"}
    assert "BUC (Buckinghamshire) imported as a successor" in output


def test_corrections_and_derivations_are_applied_and_reported(imported_authorities):
    output = imported_authorities
    derbyshire = Authority.objects.get(code="DBY")
    assert derbyshire.region.name == "East Midlands"
    assert Authority.objects.get(code="LIN").region.name == "East Midlands"
    forest_heath = Authority.objects.get(code="FOR")
    assert forest_heath.county.code == "SFK"
    assert forest_heath.region.name == "East of England"
    assert "FOR county-la: 'SRY' -> 'SFK'" in output
    # Kettering has no region in the source: it is derived from Northamptonshire.
    assert Authority.objects.get(code="KET").region.name == "East Midlands"
    assert "KET region: derived 'East Midlands' from its county NTH" in output
    # Every shire district ends up in its county's region, and every authority has a region.
    for district in Authority.objects.filter(tier__code="NMD").select_related("county"):
        assert district.county is not None, district.code
        assert district.region_id == district.county.region_id, district.code
    assert not Authority.objects.filter(region__isnull=True).exists()
    # Calderdale, with its codes and coordinates.
    calderdale = Authority.objects.get(code="CLD")
    assert calderdale.gss_code == "E08000033"
    assert calderdale.tier.code == "MD"
    assert calderdale.region.name == "Yorkshire and The Humber"
    assert calderdale.latitude is not None and calderdale.population > 0


def test_what_cannot_be_resolved_is_reported(reference_data):
    output = run("--no-overrides")
    assert "row 32 (BKM) Buckinghamshire County: no coordinates in the source" in output
    assert Authority.objects.get(code="BKM").latitude is None


def test_every_authority_loaded_has_coordinates_and_says_how_when_derived(imported_authorities):
    output = imported_authorities
    assert "Could not resolve (0):" in output
    assert not Authority.objects.filter(latitude__isnull=True).exists()
    assert not Authority.objects.filter(longitude__isnull=True).exists()
    # The source's own points carry no note; the derived ones say how they were obtained.
    assert Authority.objects.get(code="CLD").coordinates_note == ""
    buckinghamshire = Authority.objects.get(code="BKM")
    successor = Authority.objects.get(code="BUC")
    assert (buckinghamshire.latitude, buckinghamshire.longitude) == (
        successor.latitude,
        successor.longitude,
    )
    assert "took over exactly its area" in buckinghamshire.coordinates_note
    assert Authority.objects.get(code="WYO").coordinates_note.startswith("Approximate")
    # Northamptonshire: between its two successors, weighted towards the larger (West).
    north, west = (Authority.objects.get(code=c) for c in ("NNT", "WNT"))
    county = Authority.objects.get(code="NTH")
    assert west.latitude < county.latitude < north.latitude
    assert abs(county.latitude - west.latitude) < abs(county.latitude - north.latitude)
    assert "BKM coordinates: 51.784964, -0.811571 (same-area" in output


def test_each_county_council_s_point_lies_among_its_districts(imported_authorities):
    """The source's points for county councils are wrong for several (Lancashire's lies in
    Northamptonshire, Devon's near Cardiff): each county in existence now has the centre
    of its districts, inside the box their own points span."""
    counties = Authority.objects.filter(tier__code="CTY", end_date__isnull=True)
    checked = 0
    for county in counties:
        districts = Authority.objects.filter(county=county, end_date__isnull=True)
        if not districts.exists():
            continue
        lats = [d.latitude for d in districts]
        longs = [d.longitude for d in districts]
        assert min(lats) <= county.latitude <= max(lats), county
        assert min(longs) <= county.longitude <= max(longs), county
        assert county.coordinates_note.startswith("The mean of the points of its"), county
        checked += 1
    assert checked >= 20
    lancashire = Authority.objects.get(code="LAN")
    assert 53.7 < lancashire.latitude < 54.0  # Preston is at 53.76; Harborough at 52.5


def test_the_coordinates_file_is_what_its_documented_derivation_gives():
    import runpy

    script = runpy.run_path(str(AUTHORITIES_CSV.parent / "derive_authority_coordinates.py"))
    assert script["main"](["--check"]) == 0


def test_the_combined_authority_is_kept(imported_authorities):
    calderdale = Authority.objects.get(code="CLD")
    assert (calderdale.combined_authority, calderdale.combined_authority_name) == (
        "WYCA",
        "West Yorkshire",
    )
    assert Authority.objects.get(code="CMD").combined_authority_name == "Greater London"
    assert Authority.objects.get(code="KET").combined_authority == ""


def test_running_twice_changes_nothing(imported_authorities):
    before = list(Authority.objects.order_by("code").values())
    output = run()
    assert "Authorities: 0 created, 0 updated, 388 unchanged." in output
    assert list(Authority.objects.order_by("code").values()) == before


def test_updates_in_place_by_code_and_reports_the_change(imported_authorities):
    calderdale = Authority.objects.get(code="CLD")
    Authority.objects.filter(code="CLD").update(name="Calderdale (edited)")
    output = run()
    assert "Authorities: 0 created, 1 updated, 387 unchanged." in output
    assert "CLD: name 'Calderdale (edited)' -> 'Calderdale'" in output
    assert Authority.objects.get(code="CLD").pk == calderdale.pk


def test_date_and_nation_options(reference_data):
    output = run("--date", "2021-04-02", "--nation", "Scotland")
    assert "Authorities: 32 created" in output
    assert set(Authority.objects.values_list("region__name", flat=True)) == {"Scotland"}


def test_a_bad_row_is_reported_and_not_loaded(reference_data, tmp_path):
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["local-authority-code"] in {"CLD", "KIR", "LDS"}]
        fields = reader.fieldnames
    rows[0]["local-authority-type"] = "XYZ"  # CLD: unknown type
    rows[1]["lat"] = "not a number"  # KIR: bad coordinates
    rows[2]["long"] = "-120.0"  # LDS: outside the UK
    path = tmp_path / "authorities.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    report = import_authorities(path=path, overrides_path=None)
    text = "\n".join(report.lines())
    assert "row 2 (CLD): unknown authority type 'XYZ'; row skipped" in text
    assert "row 3 (KIR): coordinates are not numbers; left empty" in text
    assert "row 4 (LDS): coordinates 53.825746, -120.000000 are outside the UK; left empty" in text
    assert "(KIR) Kirklees: no coordinates" not in text
    assert sorted(Authority.objects.values_list("code", flat=True)) == ["KIR", "LDS"]
    assert Authority.objects.get(code="LDS").longitude is None


def test_a_file_without_the_expected_columns_is_refused(reference_data, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("code,name\nCLD,Calderdale\n", encoding="utf-8")
    with pytest.raises(CommandError, match="lacks the columns"):
        run("--path", str(path))
    with pytest.raises(CommandError, match="must be a date"):
        run("--date", "April 2012")
    assert not Authority.objects.exists()


def test_dry_run_saves_nothing(reference_data):
    output = run("--dry-run")
    assert "Dry run: nothing was saved." in output
    assert not Authority.objects.exists()


def test_the_shipped_csv_keeps_its_licence():
    licence = Path(AUTHORITIES_CSV).with_suffix(".LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "mySociety" in licence
