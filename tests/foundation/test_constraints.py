"""The database itself refuses what must never be stored, whatever the entry path."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from register.models import (
    Arrangement,
    Authority,
    Finding,
    Membership,
    Saving,
    SavingsTarget,
    Source,
    Tier,
)

pytestmark = pytest.mark.django_db


def refused(create):
    """True when the database raises IntegrityError for the insert."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
    return True


def saving(arrangement, **overrides):
    values = {"arrangement": arrangement, "amount": Decimal("1000"), "basis": "estimated"}
    values.update(overrides)
    return lambda: Saving.objects.create(**values)


def test_a_valid_saving_is_stored(arrangement):
    saving(arrangement)()
    saving(arrangement, amount=None, percentage=Decimal("100"))()
    saving(arrangement, period="financial_year", financial_year=2012)()
    assert Saving.objects.count() == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": Decimal("-1")},
        {"amount": None, "percentage": Decimal("100.01")},
        {"amount": None, "percentage": Decimal("-0.5")},
        {"amount": None, "percentage": None},
        {"period": "financial_year", "financial_year": None},
        {"period": "per_year", "financial_year": 2012},
        {"period": "financial_year", "financial_year": 1200},
    ],
    ids=[
        "negative amount",
        "percentage over 100",
        "negative percentage",
        "neither amount nor percentage",
        "financial-year period without a year",
        "a year with another period",
        "year out of range",
    ],
)
def test_invalid_savings_are_refused_by_the_database(arrangement, overrides):
    assert refused(saving(arrangement, **overrides))
    assert Saving.objects.count() == 0


def test_end_before_start_is_refused(arrangement, council):
    start, before = datetime.date(2012, 4, 1), datetime.date(2012, 3, 31)
    assert refused(
        lambda: Arrangement.objects.create(
            title="x", slug="x", kind="other", status="proposed", start_date=start, end_date=before
        )
    )
    assert refused(
        lambda: Membership.objects.create(
            arrangement=arrangement, authority=council, start_date=start, end_date=before
        )
    )
    council.start_date, council.end_date = start, before
    assert refused(council.save)


def test_one_membership_per_authority_and_one_lead(arrangement, council, other_council):
    Membership.objects.create(arrangement=arrangement, authority=council, role="lead")
    assert refused(lambda: Membership.objects.create(arrangement=arrangement, authority=council))
    assert refused(
        lambda: Membership.objects.create(
            arrangement=arrangement, authority=other_council, role="lead"
        )
    )
    Membership.objects.create(arrangement=arrangement, authority=other_council, role="host")
    assert arrangement.memberships.count() == 2


def test_unique_slugs_and_codes(arrangement, council, reference_data):
    assert refused(
        lambda: Arrangement.objects.create(
            title="Another", slug=arrangement.slug, kind="other", status="proposed"
        )
    )
    tier = Tier.objects.get(code="NMD")
    assert refused(lambda: Authority.objects.create(code=council.code, name="Dup", tier=tier))
    assert refused(
        lambda: Authority.objects.create(
            code="ZZZ", name="Dup", tier=tier, gss_code=council.gss_code
        )
    )
    # Bodies that are not councils have no GSS code, and several may lack one.
    Authority.objects.create(code="OT1"[:3], name="Other 1", tier=tier)
    Authority.objects.create(code="OTB", name="Other 2", tier=tier)


def test_savings_target_rules(council):
    SavingsTarget.objects.create(authority=council, financial_year=2012, amount=Decimal("1000000"))
    assert refused(
        lambda: SavingsTarget.objects.create(authority=council, financial_year=2012, amount=1)
    )
    assert refused(
        lambda: SavingsTarget.objects.create(authority=council, financial_year=2013, amount=-1)
    )


def test_finding_value_needs_a_unit_and_percentages_stay_in_range(db):
    source = Source.objects.create(slug="s", title="A survey")
    Finding.objects.create(source=source, statement="No figure")
    Finding.objects.create(source=source, statement="Councils", value=143, unit="count")
    assert refused(lambda: Finding.objects.create(source=source, statement="x", value=5))
    assert refused(
        lambda: Finding.objects.create(source=source, statement="x", value=101, unit="percent")
    )
    assert refused(lambda: Finding.objects.create(source=source, statement="x", unit="count"))
