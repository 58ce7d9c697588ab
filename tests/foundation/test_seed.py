"""Every fact of the two 2012 papers is in the register, as the papers state it."""

import datetime
import io
import tomllib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from register.models import (
    Arrangement,
    Finding,
    Membership,
    Milestone,
    Partnership,
    Saving,
    SavingsTarget,
    Source,
)
from register.seed import SEED_TOML

pytestmark = pytest.mark.django_db

CALDERDALE = "calderdale-use-of-resources-2012-04-05"
COUNTY = "county-review-group-2012-02-21"
WEST_YORKSHIRE = {"BRD", "CLD", "KIR", "LDS", "WKF"}


def members(slug, role=None):
    memberships = Membership.objects.filter(arrangement__slug=slug)
    if role:
        memberships = memberships.filter(role=role)
    return set(memberships.values_list("authority__code", flat=True))


def test_every_seed_record_is_loaded_and_sourced(seeded):
    with SEED_TOML.open("rb") as handle:
        seed = tomllib.load(handle)
    slugs = {item["slug"] for item in seed["arrangement"]}
    assert set(Arrangement.objects.values_list("slug", flat=True)) == slugs
    assert not Arrangement.objects.filter(sources__isnull=True).exists()
    assert not Saving.objects.filter(source__isnull=True).exists()
    assert not Milestone.objects.filter(source__isnull=True).exists()
    assert Saving.objects.count() == sum(len(a.get("saving", [])) for a in seed["arrangement"])
    assert not Arrangement.objects.filter(
        exempt=True
    ).exists()  # "Should this report be exempt? No"
    calderdale = Source.objects.get(slug=CALDERDALE)
    assert calderdale.meeting == "Use of Resources Scrutiny Panel, 5 April 2012"
    assert calderdale.date == datetime.date(2012, 4, 5)
    county = Source.objects.get(slug=COUNTY)
    assert (county.meeting, county.reference) == (
        "Shared Services Review Group, 21 February 2012",
        "Agenda item 4",
    )


def test_awya_and_its_four_areas(seeded):
    awya = Partnership.objects.get(slug="awya")
    assert set(awya.members.values_list("code", flat=True)) == WEST_YORKSHIRE
    top_level = Arrangement.objects.filter(partnership=awya, parent__isnull=True)
    assert set(top_level.values_list("slug", flat=True)) == {
        "west-yorkshire-regulatory-services-shared-service",
        "west-yorkshire-childrens-residential-and-fostering-commissioning",
        "wylaw",
        "west-yorkshire-hr-joint-working",
    }


def test_regulatory_services_not_pursued_with_five_reasons_and_two_follow_ups(seeded):
    regulatory = Arrangement.objects.get(slug="west-yorkshire-regulatory-services-shared-service")
    assert regulatory.status == "not_pursued"
    assert len(regulatory.barriers) == 5
    assert "top heavy" in regulatory.barriers[3]
    assert "joint committee" in regulatory.governance
    assert set(regulatory.workstreams.values_list("slug", "status")) == {
        ("west-yorkshire-building-control-collaboration", "in_development"),
        (
            "west-yorkshire-environmental-health-licensing-trading-standards-collaboration",
            "proposed",
        ),
    }
    assert members(regulatory.slug) == WEST_YORKSHIRE


def test_fostering_framework_with_doncaster_joining_and_two_tender_timetables(seeded):
    programme = Arrangement.objects.get(
        slug="west-yorkshire-childrens-residential-and-fostering-commissioning"
    )
    assert members(programme.slug, "joining") == {"DNC"}
    assert members(programme.slug, "partner") == WEST_YORKSHIRE
    assert len(programme.objectives) == 4
    (saving,) = programme.savings.all()
    assert (saving.amount, saving.percentage, saving.qualifier, saving.basis) == (
        Decimal("700000"),
        Decimal("2.5"),
        "over",
        "forecast",
    )
    assert saving.display == "over £700,000 (2.5%)"
    timetables = {
        w.slug: [(m.title, m.date_display) for m in w.milestones.all()]
        for w in programme.workstreams.all()
    }
    assert timetables == {
        "west-yorkshire-independent-fostering-agencies-framework": [
            ("Market engagement day", "19 March 2012"),
            ("Commence tender process", "April 2012"),
            ("Award tender", "October 2012"),
        ],
        "west-yorkshire-childrens-residential-accommodation-framework": [
            ("Market engagement day", "April 2012"),
            ("Commence tender process", "June 2012"),
            ("Award tender", "December 2012"),
        ],
    }


def test_wylaw_and_its_workstreams(seeded):
    wylaw = Arrangement.objects.get(slug="wylaw")
    assert wylaw.workstreams.count() == 12
    assert members("wylaw-barristers-panel", "lead") == {"KIR"}
    assert members("wylaw-shared-costs-draftsman", "host") == {"LDS"}
    assert "WYP" in members("wylaw-shared-pension-advice-resource")
    mou = wylaw.milestones.get(title__startswith="Memorandum")
    assert (mou.date_display, mou.status) == ("July 2011", "done")
    workshop = Milestone.objects.get(arrangement__slug="wylaw-demand-management-and-quality")
    assert workshop.date_display == "spring 2012"
    library = Saving.objects.get(arrangement__slug="wylaw-library-and-research-contracts")
    assert (library.display, library.basis) == ("up to 35%", "achieved")
    fees = Saving.objects.get(arrangement__slug="wylaw-external-fees-review")
    assert (fees.percentage, fees.basis, fees.display) == (
        Decimal("20"),
        "achieved",
        "average 20% of fee rates",  # "an average reduction in fees rates of 20%"
    )
    assert [m.date_display for m in wylaw.milestones.filter(title__contains="Awards")] == [
        "2011",
        "2012",
        "2012",
    ]


def test_hr_pension_advice_and_transactions(seeded):
    pensions = Arrangement.objects.get(slug="west-yorkshire-pension-advice")
    assert pensions.status == "not_pursued"
    assert pensions.parent.slug == "west-yorkshire-hr-joint-working"
    per_district = pensions.savings.values_list("authority__code", "amount", "basis")
    assert set(per_district) == {
        (code, Decimal("12000.00"), "estimated") for code in WEST_YORKSHIRE
    }
    # The benefits as the paper words them: "may also be some service provision benefits".
    assert len(pensions.barriers) == 3 and len(pensions.benefits) == 3
    assert "WYP" in members(pensions.slug, "prospective")  # named only in the options
    transactions = Arrangement.objects.get(slug="west-yorkshire-hr-transactions")
    assert len(transactions.barriers) == 7
    meeting = Milestone.objects.get(arrangement__slug="west-yorkshire-hr-joint-working")
    assert meeting.date_display == "29 March 2012"


def test_calderdale_targets_and_the_county_paper(seeded):
    targets = SavingsTarget.objects.filter(authority__code="CLD").order_by("financial_year")
    assert [(t.financial_year_display, t.amount) for t in targets] == [
        ("2012/13", Decimal("1000000.00")),
        ("2013/14", Decimal("1500000.00")),
    ]
    foster = Saving.objects.get(arrangement__slug="north-west-foster-care-contract")
    assert (foster.amount, foster.basis, foster.qualifier) == (
        Decimal("1900000.00"),
        "estimated",
        "exactly",
    )
    assert not Membership.objects.filter(
        arrangement__slug="north-west-foster-care-contract"
    ).exists()


def test_national_findings(seeded):
    quoted = Finding.objects.filter(note__contains="para 10").values_list("value", "unit")
    assert sorted(quoted) == [
        (Decimal("63"), "percent"),
        (Decimal("65"), "percent"),
        (Decimal("89"), "percent"),
    ]
    map_2011 = Finding.objects.filter(source__slug="lga-national-shared-services-map-2011-12")
    assert map_2011.get(unit="GBP").value == Decimal("156500000")
    assert map_2011.get(statement__startswith="Councils").value == 219
    assert Source.objects.get(slug="lga-national-shared-services-map-2011-12").date_display == (
        "December 2011"
    )
    # A disagreement between two accounts is held as two findings from two sources.
    other = Source.objects.create(slug="another-account", title="Another account of the map")
    Finding.objects.create(source=other, statement="Councils involved", value=220, unit="count")
    assert Finding.objects.filter(statement__startswith="Councils involved").count() == 2


def test_loading_again_changes_nothing_and_keeps_admin_edits(seeded):
    Arrangement.objects.filter(slug="wylaw").update(title="WYLaw (corrected in the admin)")
    Saving.objects.filter(arrangement__slug="wylaw-library-and-research-contracts").delete()
    counts = [m.objects.count() for m in (Arrangement, Membership, Saving, Milestone, Finding)]
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    assert "arrangements: 0 created, 23 already present" in out.getvalue()
    assert [
        m.objects.count() for m in (Arrangement, Membership, Saving, Milestone, Finding)
    ] == counts
    assert Arrangement.objects.get(slug="wylaw").title == "WYLaw (corrected in the admin)"


def test_an_invalid_seed_is_refused_whole(authorities, tmp_path):
    path = tmp_path / "seed.toml"
    path.write_text(
        SEED_TOML.read_text(encoding="utf-8").replace('percentage = "35"', 'percentage = "135"'),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="Ensure this value is less than or equal to 100"):
        call_command("load_seed", "--path", str(path), stdout=io.StringIO())
    assert not Arrangement.objects.exists() and not Source.objects.exists()
