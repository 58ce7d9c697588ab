"""Test data builders and fixtures.

`register`: a small register built in each test: two regions, four councils, a handful
of arrangements with partners, savings and milestones, and one exempt arrangement."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User

from register.models import (
    Arrangement,
    Authority,
    Membership,
    Milestone,
    Partnership,
    Region,
    Saving,
    ServiceArea,
    Tier,
)

_counter = itertools.count(1)


def make_arrangement(title, *, members=(), lead=None, areas=(), savings=(), **fields):
    slug = fields.pop("slug", None) or f"{title.lower().replace(' ', '-')}-{next(_counter)}"
    values = {"kind": "shared_service", "status": "operational"} | fields
    arrangement = Arrangement.objects.create(title=title, slug=slug, **values)
    arrangement.service_areas.set(ServiceArea.objects.filter(slug__in=areas))
    for authority in members:
        role = "lead" if authority == lead else "partner"
        Membership.objects.create(arrangement=arrangement, authority=authority, role=role)
    for saving in savings:
        Saving.objects.create(arrangement=arrangement, **saving)
    return arrangement


@pytest.fixture
def register(reference_data):
    """Returns a namespace of the records, for assertions."""
    tiers = {t.code: t for t in Tier.objects.all()}
    yorks = Region.objects.get(slug="yorkshire-and-the-humber")
    wales = Region.objects.get(slug="wales")

    def council(code, name, tier, region):
        return Authority.objects.create(
            code=code, name=name, tier=tiers[tier], region=region, gss_code=f"X{next(_counter):08d}"
        )

    alpha = council("ALP", "Alphaton", "MD", yorks)
    beta = council("BET", "Betaford", "MD", yorks)
    gamma = council("GAM", "Gammashire", "CTY", yorks)
    delta = council("DEL", "Deltaby", "WPA", wales)
    partnership = Partnership.objects.create(name="Northern partners", slug="northern")
    partnership.members.set([alpha, beta])

    legal = make_arrangement(
        "Shared legal team",
        members=[alpha, beta],
        lead=alpha,
        areas=["legal"],
        partnership=partnership,
        start_date=datetime.date(2011, 7, 1),
        start_precision="month",
        summary="Barristers panel and library contracts",
        savings=[
            {"amount": Decimal("100000"), "basis": "estimated"},
            {
                "amount": Decimal("50000"),
                "basis": "achieved",
                "period": "financial_year",
                "financial_year": 2012,
            },
            {"amount": Decimal("999999"), "basis": "target"},
        ],
    )
    workstream = make_arrangement(
        "Costs draftsman",
        members=[alpha, beta, gamma],
        lead=beta,
        areas=["legal"],
        kind="hosted_resource",
        status="in_development",
        parent=legal,
        partnership=partnership,
        savings=[{"percentage": Decimal("35"), "qualifier": "up_to", "basis": "achieved"}],
    )
    fostering = make_arrangement(
        "Fostering framework",
        members=[alpha, gamma, delta],
        lead=gamma,
        areas=["fostering"],
        kind="joint_procurement",
        status="procurement",
        start_date=datetime.date(2012, 4, 1),
        savings=[
            {
                "amount": Decimal("700000"),
                "qualifier": "over",
                "basis": "forecast",
                "percentage": Decimal("2.5"),
            }
        ],
    )
    Milestone.objects.create(
        arrangement=fostering, title="Market engagement day", date=datetime.date(2012, 3, 19)
    )
    Milestone.objects.create(
        arrangement=fostering,
        title="Commence tender",
        date=datetime.date(2012, 4, 1),
        date_precision="month",
    )
    regulatory = make_arrangement(
        "Regulatory services",
        members=[beta, delta],
        areas=["building-control", "licensing"],
        status="not_pursued",
        barriers=["Not responsive to local issues", "Top heavy"],
    )
    secret = make_arrangement(
        "Confidential waste deal",
        members=[delta],
        lead=delta,
        areas=["waste"],
        exempt=True,
        savings=[{"amount": Decimal("5000"), "basis": "estimated"}],
    )

    class Register:
        pass

    r = Register()
    r.__dict__.update(locals())
    return r


@pytest.fixture
def viewer(db):
    """A signed-in user allowed to see exempt arrangements."""
    user = User.objects.create_user("viewer", password="a long enough password 1")
    user.user_permissions.add(Permission.objects.get(codename="view_exempt_arrangement"))
    return user


def body(response) -> str:
    """A response's text, whether it was streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")
