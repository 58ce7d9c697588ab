"""A realistic national data set for benchmarks, built on the real authorities.

Deterministic for a seed. Bulk inserts throughout (no history is written for
synthetic rows). Every synthetic slug starts with ``synthetic-`` so a data set can
be removed again without touching real records.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from register.figures import refresh_stored_figures
from register.models import (
    Arrangement,
    Authority,
    Kind,
    Membership,
    Milestone,
    Saving,
    ServiceArea,
    Status,
)
from register.search import document_for, refresh_search_documents

PREFIX = "synthetic-"
BATCH = 2000


@transaction.atomic
def remove_synthetic() -> int:
    Arrangement.objects.filter(slug__startswith=PREFIX, parent__isnull=False).delete()
    count, _ = Arrangement.objects.filter(slug__startswith=PREFIX).delete()
    return count


@transaction.atomic
def generate(count: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    authorities = list(
        Authority.objects.filter(gss_code__isnull=False).values_list("pk", "name", "region_id")
    )
    if len(authorities) < 12:
        raise ValueError("Load the authorities first (manage.py import_authorities).")
    by_region: dict = {}
    for authority in authorities:
        by_region.setdefault(authority[2], []).append(authority)
    services = list(ServiceArea.objects.filter(parent__isnull=False).values_list("pk", "name"))
    kinds = [k for k, _ in Kind.choices]
    statuses = [s for s, _ in Status.choices]
    status_weights = [8, 8, 10, 6, 50, 10, 8]

    arrangements, partner_names, plans = [], {}, []
    programme_slug = None
    workstreams_left = 0
    for number in range(count):
        service = rng.choice(services)
        region = rng.choice(list(by_region))
        kind = rng.choice(kinds)
        is_workstream = workstreams_left > 0
        slug = f"{PREFIX}{seed}-{number}"
        if not is_workstream and rng.random() < 0.05:
            workstreams_left = rng.randint(2, 6)
            programme_slug = slug
        elif is_workstream:
            workstreams_left -= 1
        start = datetime.date(2005, 1, 1) + datetime.timedelta(days=rng.randint(0, 5000))
        pool = by_region[region] if len(by_region[region]) >= 12 else authorities
        partners = rng.sample(pool, rng.randint(2, 12))
        title = f"{service[1]}: {Kind(kind).label.lower()} {number}"
        arrangement = Arrangement(
            slug=slug,
            title=title,
            kind=kind,
            status=rng.choices(statuses, status_weights)[0],
            summary=f"Shared {service[1].lower()} between {partners[0][1]} and partners.",
            start_date=start,
            start_precision=rng.choice(["day", "month", "year"]),
            exempt=rng.random() < 0.02,
            barriers=["Differing systems", "Set-up costs"] if rng.random() < 0.2 else [],
        )
        arrangement.search_document = document_for(arrangement, [p[1] for p in partners])
        arrangements.append(arrangement)
        plans.append((slug, programme_slug if is_workstream else None, service[0], partners))
        partner_names[slug] = partners

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
    for slug, _, service_id, partners in plans:
        pk = ids[slug]
        tags.append(Through(arrangement_id=pk, servicearea_id=service_id))
        for index, (authority_id, _, _) in enumerate(partners):
            memberships.append(
                Membership(
                    arrangement_id=pk,
                    authority_id=authority_id,
                    role="lead" if index == 0 else "partner",
                )
            )
        for _ in range(rng.randint(0, 5)):
            year = rng.randint(2010, 2016)
            yearly = rng.random() < 0.6
            savings.append(
                Saving(
                    arrangement_id=pk,
                    amount=Decimal(rng.randint(5, 2000) * 1000),
                    basis=rng.choice(["target", "estimated", "forecast", "achieved"]),
                    period="financial_year" if yearly else "per_year",
                    financial_year=year if yearly else None,
                    qualifier=rng.choice(["exactly", "about", "over", "up_to"]),
                )
            )
        for m in range(rng.randint(0, 6)):
            milestones.append(
                Milestone(
                    arrangement_id=pk,
                    title=f"Milestone {m + 1}",
                    date=datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randint(0, 3000)),
                    date_precision=rng.choice(["day", "month", "season"]),
                    status=rng.choice(["planned", "done", "missed"]),
                )
            )
    Through.objects.bulk_create(tags, batch_size=BATCH)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Saving.objects.bulk_create(savings, batch_size=BATCH)
    Milestone.objects.bulk_create(milestones, batch_size=BATCH)
    # Bulk inserts send no signals: store each arrangement's figures and search document.
    refresh_stored_figures(ids.values())
    refresh_search_documents(ids.values())
    return {
        "arrangements": len(arrangements),
        "workstreams": len(parents),
        "memberships": len(memberships),
        "savings": len(savings),
        "milestones": len(milestones),
    }
