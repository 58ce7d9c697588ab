"""Factories for the register's records, and the fixtures built from them.

`register`: a small register built in each test: two regions, four councils, a handful
of arrangements with partners, savings and milestones, and one exempt arrangement. It
stands on the reference data alone (see `reference_data` in tests/conftest.py).

Tiers, regions and service areas are reference data (the `reference_data` fixture): a
factory takes them by code or slug (`tier="MD"`, `region="wales"`,
`service_areas=["legal"]`) as well as by record.
"""

import datetime
import string
from dataclasses import dataclass
from decimal import Decimal

import factory
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils.text import slugify
from factory.django import DjangoModelFactory

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
from register.signals import refreshed_once

PASSWORD = "a long enough password 1"


def _tier(value):
    return Tier.objects.get(code=value) if isinstance(value, str) else value


def _region(value):
    return Region.objects.get(slug=value) if isinstance(value, str) else value


def _authority_code(n: int) -> str:
    """XAA, XAB, ...: three capital letters, and no real authority's code starts with X."""
    letters = string.ascii_uppercase
    return "X" + letters[(n // 26) % 26] + letters[n % 26]


class AuthorityFactory(DjangoModelFactory):
    class Meta:
        model = Authority
        skip_postgeneration_save = True

    code = factory.Sequence(_authority_code)
    name = factory.Sequence(lambda n: f"Council {n}")
    tier = factory.Transformer("NMD", transform=_tier)
    region = factory.Transformer(None, transform=_region)
    gss_code = factory.Sequence(lambda n: f"X{n:08d}")

    @factory.post_generation
    def editors(obj, create, extracted, **kwargs):
        """Users who may change the arrangements this authority takes part in."""
        if create and extracted:
            obj.editors.add(*extracted)


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)


class ArrangementFactory(DjangoModelFactory):
    """An arrangement with, optionally, its service areas, partners, savings and milestones:

    ArrangementFactory(
        members=[alpha, beta], members__lead=alpha, service_areas=["legal"],
        savings=[{"amount": Decimal("1000"), "basis": "estimated"}],
        milestones=[{"title": "Go live", "date": datetime.date(2012, 4, 1)}],
    )

    Saved once, as a new arrangement is: version 1 and one history record. Its figures
    and search document are worked out once, from all of them, as the admin does.
    """

    class Meta:
        model = Arrangement
        skip_postgeneration_save = True

    @classmethod
    def _generate(cls, strategy, params):
        with refreshed_once():
            return super()._generate(strategy, params)

    title = factory.Sequence(lambda n: f"Arrangement {n}")
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.title)}-{n}")
    kind = "shared_service"
    status = "operational"

    # Post-generation hooks run in this order: areas, partners, then savings and milestones.
    @factory.post_generation
    def service_areas(obj, create, extracted, **kwargs):
        """Service areas, by slug or record."""
        if create and extracted:
            slugs = [area for area in extracted if isinstance(area, str)]
            records = [area for area in extracted if not isinstance(area, str)]
            obj.service_areas.set([*ServiceArea.objects.filter(slug__in=slugs), *records])

    @factory.post_generation
    def members(obj, create, extracted, lead=None, **kwargs):
        """The authorities taking part, in order, as partners; `members__lead` is the lead."""
        if not create:
            return
        authorities = list(extracted or ())
        if lead is not None and lead not in authorities:
            authorities.insert(0, lead)
        for authority in authorities:
            MembershipFactory(
                arrangement=obj,
                authority=authority,
                role="lead" if authority == lead else "partner",
            )

    @factory.post_generation
    def savings(obj, create, extracted, **kwargs):
        """Savings, each a dict of Saving fields."""
        if create:
            for values in extracted or ():
                SavingFactory(arrangement=obj, **values)

    @factory.post_generation
    def milestones(obj, create, extracted, **kwargs):
        """Milestones, each a dict of Milestone fields."""
        if create:
            for values in extracted or ():
                MilestoneFactory(arrangement=obj, **values)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    arrangement = factory.SubFactory(ArrangementFactory)
    authority = factory.SubFactory(AuthorityFactory)
    role = "partner"


class SavingFactory(DjangoModelFactory):
    """An estimated £1,000 unless told otherwise; a percentage alone means no amount."""

    class Meta:
        model = Saving

    arrangement = factory.SubFactory(ArrangementFactory)
    percentage = None
    amount = factory.LazyAttribute(lambda o: Decimal("1000") if o.percentage is None else None)
    basis = "estimated"


class MilestoneFactory(DjangoModelFactory):
    class Meta:
        model = Milestone

    arrangement = factory.SubFactory(ArrangementFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")


class UserFactory(DjangoModelFactory):
    """A user who can sign in with PASSWORD, with optional roles (the groups
    `manage.py setup_roles` creates), permissions (codenames) and, for an editor, the
    authorities whose arrangements they may change."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(*(Group.objects.get(name=name) for name in extracted))

    @factory.post_generation
    def permissions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.user_permissions.add(*Permission.objects.filter(codename__in=extracted))

    @factory.post_generation
    def authorities(obj, create, extracted, **kwargs):
        if create:
            for authority in extracted or ():
                authority.editors.add(obj)


def make_arrangement(title, *, members=(), lead=None, areas=(), savings=(), **fields):
    """An arrangement with partners (the lead among them), service areas and savings."""
    return ArrangementFactory(
        title=title,
        members=members,
        members__lead=lead,
        service_areas=areas,
        savings=savings,
        **fields,
    )


@dataclass(frozen=True)
class SmallRegister:
    """The records of the `register` fixture, for assertions."""

    yorks: Region
    wales: Region
    alpha: Authority
    beta: Authority
    gamma: Authority
    delta: Authority
    partnership: Partnership
    legal: Arrangement
    workstream: Arrangement  # of the legal team: the costs draftsman
    fostering: Arrangement
    regulatory: Arrangement
    secret: Arrangement  # exempt


@pytest.fixture
def register(reference_data) -> SmallRegister:
    """Five arrangements among four councils in two regions. Public: the shared legal team
    and its costs draftsman workstream, a fostering framework with two milestones (which
    welcomes new members), and regulatory services (not pursued); exempt: a confidential
    waste deal."""
    # Stored figures, search documents and totals once, for all five, as an import
    # refreshes them: not again after every partner and saving.
    with refreshed_once():
        yorks = Region.objects.get(slug="yorkshire-and-the-humber")
        wales = Region.objects.get(slug="wales")
        alpha = AuthorityFactory(code="ALP", name="Alphaton", tier="MD", region=yorks)
        beta = AuthorityFactory(code="BET", name="Betaford", tier="MD", region=yorks)
        gamma = AuthorityFactory(code="GAM", name="Gammashire", tier="CTY", region=yorks)
        delta = AuthorityFactory(code="DEL", name="Deltaby", tier="WPA", region=wales)
        partnership = PartnershipFactory(
            name="Northern partners", slug="northern", members=[alpha, beta]
        )
        legal = ArrangementFactory(
            title="Shared legal team",
            members=[alpha, beta],
            members__lead=alpha,
            service_areas=["legal"],
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
        workstream = ArrangementFactory(
            title="Costs draftsman",
            members=[alpha, beta, gamma],
            members__lead=beta,
            service_areas=["legal"],
            kind="hosted_resource",
            status="in_development",
            parent=legal,
            partnership=partnership,
            savings=[{"percentage": Decimal("35"), "qualifier": "up_to", "basis": "achieved"}],
        )
        fostering = ArrangementFactory(
            title="Fostering framework",
            members=[alpha, gamma, delta],
            members__lead=gamma,
            service_areas=["fostering"],
            kind="joint_procurement",
            status="procurement",
            start_date=datetime.date(2012, 4, 1),
            open_to_members=True,
            contact_role="Head of Joint Commissioning",
            contact_email="joint.commissioning@example.gov.uk",
            savings=[
                {
                    "amount": Decimal("700000"),
                    "qualifier": "over",
                    "basis": "forecast",
                    "percentage": Decimal("2.5"),
                }
            ],
            milestones=[
                {"title": "Market engagement day", "date": datetime.date(2012, 3, 19)},
                {
                    "title": "Commence tender",
                    "date": datetime.date(2012, 4, 1),
                    "date_precision": "month",
                },
            ],
        )
        regulatory = ArrangementFactory(
            title="Regulatory services",
            members=[beta, delta],
            service_areas=["building-control", "licensing"],
            status="not_pursued",
            barriers=["Not responsive to local issues", "Top heavy"],
        )
        secret = ArrangementFactory(
            title="Confidential waste deal",
            members=[delta],
            members__lead=delta,
            service_areas=["waste"],
            exempt=True,
            savings=[{"amount": Decimal("5000"), "basis": "estimated"}],
        )
    return SmallRegister(
        yorks=yorks,
        wales=wales,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        partnership=partnership,
        legal=legal,
        workstream=workstream,
        fostering=fostering,
        regulatory=regulatory,
        secret=secret,
    )


@pytest.fixture
def viewer(db):
    """A signed-in user allowed to see exempt arrangements."""
    return UserFactory(username="viewer", permissions=["view_exempt_arrangement"])


def body(response) -> str:
    """A response's text, whether it was streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")
