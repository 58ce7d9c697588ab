"""A realistic national data set for benchmarks, built on the real authorities.

Deterministic for a seed. Bulk inserts throughout (no history is written for
synthetic rows). Every synthetic slug starts with ``synthetic-`` so a data set can
be removed again without touching real records.

Shaped like the real register, so that every page has what it shows there to show:
arrangements of every kind and status (a few exempt), tagged with one to three
services, some sponsored by a standing partnership (synthetic partnerships, slugs
``synthetic-...``, of authorities in one region); partners with roles (a lead for
most, a host for a few, none named for some; some members joining, prospective or
withdrawn); savings of the whole arrangement or of one partner, with every qualifier,
basis and period, some given only as a percentage and some as stated ("£1.9m");
milestones; workstreams of programmes; titles, summaries and descriptions in the
register's words, with a few rare words among common ones for searches.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from register import totals
from register.figures import refresh_stored_figures
from register.models import (
    Arrangement,
    Authority,
    Kind,
    Membership,
    Milestone,
    Partnership,
    Region,
    Saving,
    SavingShare,
    ServiceArea,
    Status,
)
from register.search import refresh_search_documents


def data_changed() -> None:
    """Make the app's cached figures stale, if it caches any (register.caching; an app
    without it computes every page afresh and has nothing to make stale)."""
    try:
        from register.caching import data_changed as make_stale
    except ImportError:
        return
    make_stale()


PREFIX = "synthetic-"
BATCH = 2000

STATUS_WEIGHTS = {
    Status.PROPOSED: 8,
    Status.UNDER_CONSIDERATION: 8,
    Status.IN_DEVELOPMENT: 10,
    Status.PROCUREMENT: 6,
    Status.OPERATIONAL: 50,
    Status.NOT_PURSUED: 10,
    Status.ENDED: 8,
}
QUALIFIER_WEIGHTS = {
    Saving.Qualifier.EXACTLY: 50,
    Saving.Qualifier.ABOUT: 18,
    Saving.Qualifier.OVER: 12,
    Saving.Qualifier.UP_TO: 10,
    Saving.Qualifier.AVERAGE: 6,
    Saving.Qualifier.AT_LEAST: 4,
}
BASIS_WEIGHTS = {
    Saving.Basis.TARGET: 15,
    Saving.Basis.ESTIMATED: 30,
    Saving.Basis.FORECAST: 20,
    Saving.Basis.ACHIEVED: 35,
}
PERIOD_WEIGHTS = {
    Saving.Period.FINANCIAL_YEAR: 55,
    Saving.Period.PER_YEAR: 20,
    Saving.Period.ONE_OFF: 10,
    Saving.Period.NOT_STATED: 15,
}

# How each kind of arrangement is named, in the register's words.
TITLES = {
    Kind.SHARED_SERVICE: ["Shared {service} service", "{place} shared {service} service"],
    Kind.SHARED_MANAGEMENT: ["Shared management of {service}", "{place}: shared head of {service}"],
    Kind.JOINT_PROCUREMENT: ["Joint procurement of {service}", "{place} {service} framework"],
    Kind.JOINT_COMMISSIONING: ["Joint commissioning of {service}", "{place} {service} commission"],
    Kind.COLLABORATIVE_WORKING: ["{place} {service} collaboration", "Joint working on {service}"],
    Kind.HOSTED_RESOURCE: ["Hosted {service} post", "{place} hosted {service} team"],
    Kind.MUTUAL_SUPPORT: ["{service} mutual aid", "{place} {service} mutual support"],
    Kind.OTHER: ["{service} review", "{place} {service} options"],
}
SUMMARIES = [
    "Shared {service} between {lead} and partners.",
    "{lead} leads a shared {service} service for {n} partner councils.",
    "The partners share {service} staff, systems and management.",
    "A joint arrangement for {service}, hosted by {lead}.",
    "Councils in {place} work together on {service} to save money and share expertise.",
]
SENTENCES = [
    "The partner authorities agreed a business case after an options appraisal.",
    "Savings come mainly from a single management team and shared systems.",
    "Staff transferred to the host authority under TUPE.",
    "A joint committee of the partner councils oversees the service.",
    "Each partner pays a share of the costs in proportion to its population.",
    "The arrangement is governed by a legal agreement under section 101.",
    "Performance is reported to each council's scrutiny committee every year.",
    "Differing ICT systems delayed the integration of the service.",
    "The partners expect further savings once the contracts are aligned.",
    "Residents see no change in the service they receive.",
    "A review after three years found the shared service more resilient.",
    "The business case was not approved by every partner.",
    "Procurement was run by the lead council on behalf of the others.",
    "Back office processes were standardised before the service was shared.",
]
# Words used rarely (about one arrangement in a few hundred), so that some searches
# match a handful of rows.
RARE_WORDS = [
    "abattoir",
    "bridleway",
    "crematorium",
    "dredging",
    "escheat",
    "ferryboat",
    "gypsum",
    "heronry",
    "icebreaker",
    "jetty",
    "kennelling",
    "lighthouse",
    "marshland",
    "notary",
    "orchard",
    "pontoon",
    "quarry",
    "reservoir",
    "seawall",
    "tramway",
]
BARRIERS = ["Differing systems", "Set-up costs", "Loss of local control", "Staff terms"]
PARTNERSHIP_NAMES = ["Improvement Partnership", "Shared Services Board", "Collaboration Group"]
PERCENT_OF = ["the service budget", "staffing costs", "contract prices", ""]


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


@transaction.atomic
def remove_synthetic() -> int:
    """Delete every synthetic arrangement and partnership with what hangs on them.

    Plain DELETE statements (``_raw_delete``), as the rows were made with bulk inserts:
    the ORM's delete would send signals for each of hundreds of thousands of rows and
    write a history record of each (minutes at 50,000 arrangements)."""
    arrangements = Arrangement.objects.filter(slug__startswith=PREFIX)
    ids = arrangements.values("pk")
    partnerships = Partnership.objects.filter(slug__startswith=PREFIX)
    for queryset in (
        SavingShare.objects.filter(saving__arrangement__in=ids),
        Saving.objects.filter(arrangement__in=ids),
        Membership.objects.filter(arrangement__in=ids),
        Milestone.objects.filter(arrangement__in=ids),
        Arrangement.service_areas.through.objects.filter(arrangement__in=ids),
        Arrangement.sources.through.objects.filter(arrangement__in=ids),
        Partnership.members.through.objects.filter(partnership__in=partnerships.values("pk")),
    ):
        queryset._raw_delete(queryset.db)
    count = arrangements.count()
    arrangements.filter(parent__isnull=False)._raw_delete(arrangements.db)
    arrangements._raw_delete(arrangements.db)
    partnerships._raw_delete(partnerships.db)
    if count:
        totals.recompute()
        data_changed()
    return count


def make_partnerships(rng, seed, count, by_region, region_names) -> list[tuple]:
    """Standing partnerships of three to twelve authorities of one region:
    (pk, region id, member ids)."""
    partnerships, members = [], []
    regions = sorted(r for r in by_region if len(by_region[r]) >= 3)
    for number in range(count):
        region = rng.choice(regions)
        chosen = rng.sample(by_region[region], min(len(by_region[region]), rng.randint(3, 12)))
        region_name = region_names.get(region, "National")
        name = f"{region_name} {rng.choice(PARTNERSHIP_NAMES)} {number + 1}"
        slug = f"{PREFIX}{seed}-partnership-{number}"
        partnerships.append(
            Partnership(name=f"{name} (synthetic {seed})", slug=slug, short_name=f"SP{number + 1}")
        )
        members.append((slug, region, [a[0] for a in chosen]))
    Partnership.objects.bulk_create(partnerships)
    slugs = [m[0] for m in members]
    ids = dict(Partnership.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    Through = Partnership.members.through
    Through.objects.bulk_create(
        [
            Through(partnership_id=ids[slug], authority_id=authority)
            for slug, _, authority_ids in members
            for authority in authority_ids
        ]
    )
    return [(ids[slug], region, authority_ids) for slug, region, authority_ids in members]


@transaction.atomic
def generate(count: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    authorities = list(
        Authority.objects.filter(gss_code__isnull=False)
        .order_by("pk")
        .values_list("pk", "name", "region_id")
    )
    if len(authorities) < 12:
        raise ValueError("Load the authorities first (manage.py import_authorities).")
    by_region: dict = {}
    for authority in authorities:
        by_region.setdefault(authority[2], []).append(authority)
    by_region.pop(None, None)
    by_pk = {a[0]: a for a in authorities}
    region_names = dict(Region.objects.values_list("pk", "name"))
    services = list(
        ServiceArea.objects.filter(parent__isnull=False).order_by("pk").values_list("pk", "name")
    )
    partnerships = make_partnerships(
        rng, seed, max(3, min(40, count // 100)), by_region, region_names
    )

    arrangements, plans = [], []
    programme_slug = None
    workstreams_left = 0
    rare_chance = 0.004
    for number in range(count):
        tagged = rng.sample(services, rng.choices([1, 2, 3], [70, 22, 8])[0])
        kind = rng.choice(list(TITLES))
        status = weighted(rng, STATUS_WEIGHTS)
        is_workstream = workstreams_left > 0
        slug = f"{PREFIX}{seed}-{number}"
        if not is_workstream and rng.random() < 0.05:
            workstreams_left = rng.randint(2, 6)
            programme_slug = slug
        elif is_workstream:
            workstreams_left -= 1
        partnership = rng.choice(partnerships) if rng.random() < 0.3 else None
        if partnership is not None:
            pool = [by_pk[pk] for pk in partnership[2]]
            region = partnership[1]
        else:
            region = rng.choice(sorted(by_region))
            pool = by_region[region] if len(by_region[region]) >= 12 else authorities
        partners = rng.sample(pool, min(len(pool), rng.randint(2, 12)))
        service_name = tagged[0][1]
        place = rng.choice([region_names.get(region, "England"), partners[0][1]])
        title = rng.choice(TITLES[kind]).format(service=service_name.lower(), place=place)
        title = title[0].upper() + title[1:]
        summary = rng.choice(SUMMARIES).format(
            service=service_name.lower(), lead=partners[0][1], n=len(partners), place=place
        )
        sentences = rng.sample(SENTENCES, rng.randint(0, 3))
        if rng.random() < rare_chance * len(RARE_WORDS):
            sentences.append(f"It also covers the {rng.choice(RARE_WORDS)}.")
        start = None
        if rng.random() < 0.85:
            start = datetime.date(2005, 1, 1) + datetime.timedelta(days=rng.randint(0, 5000))
        end = None
        if status == Status.ENDED and start is not None:
            end = start + datetime.timedelta(days=rng.randint(365, 3000))
        arrangement = Arrangement(
            slug=slug,
            title=title[:200],
            kind=kind,
            status=status,
            summary=summary,
            description=" ".join(sentences),
            partnership_id=partnership[0] if partnership else None,
            start_date=start,
            start_precision=rng.choice(["day", "month", "year"]),
            end_date=end,
            exempt=rng.random() < 0.02,
            barriers=rng.sample(BARRIERS, rng.randint(1, 2)) if rng.random() < 0.2 else [],
        )
        arrangements.append(arrangement)
        plans.append((slug, programme_slug if is_workstream else None, tagged, partners))

    Arrangement.objects.bulk_create(arrangements, batch_size=BATCH)
    ids = dict(
        Arrangement.objects.filter(slug__startswith=f"{PREFIX}{seed}-").values_list("slug", "pk")
    )
    parents = [
        Arrangement(pk=ids[slug], parent_id=ids[parent]) for slug, parent, _, _ in plans if parent
    ]
    Arrangement.objects.bulk_update(parents, ["parent"], batch_size=BATCH)

    Through = Arrangement.service_areas.through
    tags, memberships, savings, milestones = [], [], [], []
    for slug, _, tagged, partners in plans:
        pk = ids[slug]
        tags.extend(Through(arrangement_id=pk, servicearea_id=area[0]) for area in tagged)
        first = rng.choices(["lead", "host", "partner"], [85, 4, 11])[0]
        joined = [partners[0][0]]
        for index, (authority_id, _, _) in enumerate(partners):
            if index == 0:
                role = first
            else:
                role = rng.choices(
                    ["partner", "joining", "prospective", "withdrawn"], [90, 5, 4, 1]
                )[0]
                if role == "partner":
                    joined.append(authority_id)
            memberships.append(Membership(arrangement_id=pk, authority_id=authority_id, role=role))
        for _ in range(rng.choices([0, 1, 2, 3, 4, 5], [30, 25, 18, 12, 8, 7])[0]):
            savings.append(a_saving(rng, pk, joined))
        for m in range(rng.randint(0, 6)):
            milestones.append(
                Milestone(
                    arrangement_id=pk,
                    title=f"Milestone {m + 1}",
                    date=None
                    if rng.random() < 0.05
                    else datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randint(0, 6000)),
                    date_precision=rng.choice(["day", "month", "season"]),
                    status=rng.choice(["planned", "done", "missed"]),
                )
            )
    Through.objects.bulk_create(tags, batch_size=BATCH)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Saving.objects.bulk_create(savings, batch_size=BATCH)
    Milestone.objects.bulk_create(milestones, batch_size=BATCH)
    # Bulk inserts send no signals: store each arrangement's figures and search document,
    # and the register's totals, with the app's own functions (so they are whatever the
    # app stores), and make cached figures stale, here.
    refresh_stored_figures(ids.values())
    refresh_search_documents(ids.values())
    totals.recompute()
    data_changed()
    return {
        "arrangements": len(arrangements),
        "workstreams": len(parents),
        "partnerships": len(partnerships),
        "memberships": len(memberships),
        "savings": len(savings),
        "milestones": len(milestones),
    }


def a_saving(rng: random.Random, arrangement_id: int, joined: list[int]) -> Saving:
    """One saving as the sources give them: money, a percentage only, or both; of the
    whole arrangement or (one in seven) of one partner."""
    period = weighted(rng, PERIOD_WEIGHTS)
    form = rng.choices(["money", "percentage", "both"], [84, 11, 5])[0]
    amount = percentage = None
    stated = percentage_of = ""
    if form != "percentage":
        amount = Decimal(rng.randint(5, 2000) * 1000)
        if amount >= 1_000_000 and rng.random() < 0.3:
            stated = f"£{amount / 1_000_000:.1f}m"
    if form != "money":
        percentage = Decimal(rng.randint(2, 40))
        percentage_of = rng.choice(PERCENT_OF)
    return Saving(
        arrangement_id=arrangement_id,
        authority_id=rng.choice(joined) if rng.random() < 0.14 else None,
        amount=amount,
        percentage=percentage,
        percentage_of=percentage_of,
        stated=stated,
        basis=weighted(rng, BASIS_WEIGHTS),
        period=period,
        financial_year=rng.randint(2008, 2016) if period == Saving.Period.FINANCIAL_YEAR else None,
        qualifier=weighted(rng, QUALIFIER_WEIGHTS),
        cashable=rng.choice([True, False, None]),
    )
