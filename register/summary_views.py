"""The scrutiny summaries under /summary/: thin views over register/summaries.py."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.generic import TemplateView

from . import summaries
from .caching import cached
from .dates import financial_year_label
from .filters import ArrangementFilterSet
from .models import (
    Arrangement,
    Authority,
    Finding,
    Milestone,
    Partnership,
    Saving,
    ServiceArea,
    Source,
)
from .views import filter_key, filter_options

# The list filters a summary can be narrowed by.
NARROWING = ("region", "partnership", "service_area", "status", "start_year_min", "start_year_max")


def list_url(name: str, narrowing: list[tuple[str, str]], **params) -> str:
    pairs = list(narrowing)
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(key, str(v)) for v in values if v is not None]
    query = urlencode(pairs)
    return f"{reverse(name)}?{query}" if query else reverse(name)


class SummaryView(TemplateView):
    """Narrows the visible arrangements by the list's own filters, and builds drill-down links."""

    narrowable = True

    def narrowed(self):
        data = self.request.GET.copy()
        for key in list(data):
            if key not in NARROWING or not self.narrowable:
                del data[key]
        queryset = Arrangement.objects.visible_to(self.request.user)
        filterset = ArrangementFilterSet(
            data, queryset=queryset.with_totals(), request=self.request
        )
        valid = filterset.is_valid()
        arrangements = filterset.qs if valid else queryset.none()
        narrowing = [(k, v) for k in NARROWING for v in filterset.data.getlist(k)] if valid else []
        return filterset, arrangements, narrowing

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset, arrangements, narrowing = self.narrowed()
        context.update(
            filter=filterset,
            narrowing=narrowing,
            narrowing_labels=describe(filterset) if narrowing else [],
            narrowing_query=urlencode(narrowing),
            arrangements_url=lambda **p: list_url("register:arrangement-list", narrowing, **p),
            options=filter_options(self.request),
        )
        context.update(
            cached(
                self.request,
                f"summary-{type(self).__name__}",
                (filter_key(self.request, (*NARROWING, "as_of")), datetime.date.today()),
                lambda: evaluated(self.summary(arrangements, narrowing)),
            )
        )
        return context

    def summary(self, arrangements, narrowing) -> dict:
        raise NotImplementedError


def evaluated(figures: dict) -> dict:
    """The summary with every query set read into a list, so that it can be cached."""
    return {
        key: list(value) if isinstance(value, QuerySet) else value for key, value in figures.items()
    }


def describe(filterset) -> list[str]:
    """'Region: Wales' for each narrowing in force, for the page to say what it shows."""
    out = []
    for name in NARROWING:
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", []) or (hasattr(value, "exists") and not value):
            continue
        field = filterset.form.fields[name]
        if hasattr(value, "__iter__") and not isinstance(value, str):
            labels = dict(getattr(field, "choices", []) or [])
            text = ", ".join(str(labels.get(v, v)) for v in value)
        else:
            text = str(value)
        out.append(f"{field.label}: {text}")
    return out


class SummaryIndexView(SummaryView):
    template_name = "register/summary/index.html"

    def summary(self, arrangements, narrowing):
        totals = summaries.list_totals(arrangements, unfiltered=not narrowing)
        covered = arrangements.filter(
            Exists(Saving.objects.filter(arrangement=OuterRef("pk")))
        ).count()
        statuses = summaries.status_counts(arrangements)
        return {
            "totals": totals,
            "covered": covered,
            "coverage": summaries.share(covered, totals.arrangements),
            "operational": next(s for s in statuses if s["status"] == "operational")["count"],
            "not_pursued": next(s for s in statuses if s["status"] == "not_pursued")["count"],
            "finding_count": Finding.objects.count(),
            "corporate": arrangements.filter(
                Exists(
                    ServiceArea.objects.filter(
                        Q(slug="corporate") | Q(parent__slug="corporate"),
                        arrangements=OuterRef("pk"),
                    )
                )
            ).count(),
            "partnership_count": Partnership.objects.count(),
        }


class TierSummaryView(SummaryView):
    template_name = "register/summary/tiers.html"

    def summary(self, arrangements, narrowing):
        authorities = Authority.objects.all()
        regions = [v for k, v in narrowing if k == "region"]
        if regions:
            authorities = authorities.filter(region__slug__in=regions)
        rows = summaries.tier_summary(arrangements, authorities)
        for row in rows:
            key = "tier_level" if row.is_level else "tier"
            row.list_url = list_url("register:arrangement-list", narrowing, **{key: row.key})
            row.savings_url = list_url(
                "register:arrangement-list", narrowing, **{key: row.key, "has_savings": "yes"}
            )
            region_params = {"region": regions} if regions else {}
            only_regions = all(k == "region" for k, _ in narrowing)
            row.authorities_url = list_url(
                "register:authority-list", [], **{key: row.key}, **region_params
            )
            row.participating_url = (
                list_url(
                    "register:authority-list",
                    [],
                    **{key: row.key, "participating": "yes"},
                    **region_params,
                )
                if only_regions
                else None
            )
        levels = {row.key: row for row in rows if row.is_level}
        coverage = [
            f"{row.with_savings} of {row.arrangements} {row.label.lower()} arrangement"
            f"{'' if row.arrangements == 1 else 's'} {'has' if row.with_savings == 1 else 'have'}"
            " a savings figure"
            for row in rows
            if row.is_level and row.arrangements
        ]
        return {"rows": rows, "levels": levels, "total": arrangements.count(), "coverage": coverage}


class ServiceAreaSummaryView(SummaryView):
    template_name = "register/summary/service_areas.html"

    def summary(self, arrangements, narrowing):
        rows = summaries.service_area_summary(arrangements)
        kinds = dict(Arrangement.Kind.choices)
        for row in rows:
            row.list_url = list_url("register:arrangement-list", narrowing, service_area=row.slug)
            row.kind_links = [
                (
                    kinds[kind],
                    count,
                    list_url(
                        "register:arrangement-list", narrowing, service_area=row.slug, kind=kind
                    ),
                )
                for kind, count in sorted(row.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
            row.main_kind_label = kinds[row.main_kind[0]] if row.main_kind else None
        categories = {row.slug: row for row in rows if row.is_category}
        total = arrangements.count()
        compare = [
            (
                label,
                categories.get(slug),
                summaries.share(getattr(categories.get(slug), "arrangements", 0), total),
            )
            for slug, label in (
                ("corporate", "Corporate and back office"),
                ("childrens-services", "Children's services"),
                ("adults-health", "Adults and health"),
            )
        ]
        biggest = max((r.arrangements for r in rows if r.is_category), default=0)
        return {"rows": rows, "compare": compare, "total": total, "biggest": biggest}


class SavingsSummaryView(SummaryView):
    template_name = "register/summary/savings.html"

    def summary(self, arrangements, narrowing):
        savings = Saving.objects.filter(arrangement__in=arrangements.order_by().values("pk"))
        rows = summaries.savings_by_year(savings)
        labels = dict(Saving.Basis.choices)
        for row in rows:
            row["year_label"] = financial_year_label(row["financial_year"]) or "Year not stated"
            row["basis_label"] = labels[row["basis"]]
            row["url"] = (
                list_url(
                    "register:arrangement-list",
                    narrowing,
                    saving_basis=row["basis"],
                    financial_year=row["financial_year"],
                )
                if row["financial_year"]
                else list_url("register:arrangement-list", narrowing, saving_basis=row["basis"])
            )
        by_year: dict = {}
        for row in rows:
            if row["basis"] == Saving.Basis.TARGET:
                continue
            key = row["year_label"]
            by_year[key] = by_year.get(key, 0) + row["total"]
        largest = max(by_year.values(), default=0)
        chart = [
            {
                "label": label,
                "total": total,
                "percent": int(total * 100 / largest) if largest else 0,
            }
            for label, total in by_year.items()
        ]
        targets = summaries.targets_and_savings(
            Authority.objects.all(), Saving.objects.visible_to(self.request.user)
        )
        for row in targets:
            row["year_label"] = financial_year_label(row["year"])
        return {
            "rows": rows,
            "chart": chart,
            "targets": targets,
            "savings_without_amount": savings.filter(amount__isnull=True).count(),
        }


NOT_PURSUED_SHOWN = 20


class PipelineSummaryView(SummaryView):
    template_name = "register/summary/pipeline.html"

    def summary(self, arrangements, narrowing):
        as_of, as_of_error = parse_as_of(self.request.GET.get("as_of"))
        statuses = summaries.status_counts(arrangements)
        for row in statuses:
            row["url"] = list_url("register:arrangement-list", narrowing, status=row["status"])
        # The first few only: at national scale there are thousands; the list has them all.
        not_pursued = (
            arrangements.filter(status="not_pursued")
            .order_by("title", "pk")
            .only("title", "slug", "barriers", "summary")[:NOT_PURSUED_SHOWN]
        )
        return {
            "statuses": statuses,
            "not_pursued": not_pursued,
            "not_pursued_count": next(s["count"] for s in statuses if s["status"] == "not_pursued"),
            "not_pursued_url": list_url(
                "register:arrangement-list", narrowing, status="not_pursued"
            ),
            "as_of": as_of,
            "as_of_error": as_of_error,
            "milestones": summaries.upcoming_milestones(arrangements, as_of),
        }


def parse_as_of(text):
    if not text:
        return datetime.date.today(), None
    try:
        as_of = datetime.date.fromisoformat(text.strip())
    except ValueError:
        return datetime.date.today(), "Enter the date as year-month-day, for example 2012-04-05."
    if not 1900 <= as_of.year <= 2100:
        return datetime.date.today(), "Enter a date between 1900 and 2100."
    return as_of, None


class NationalSummaryView(SummaryView):
    template_name = "register/summary/national.html"
    narrowable = False

    def summary(self, arrangements, narrowing):
        sources = (
            Source.objects.filter(findings__isnull=False).distinct().order_by("date", "title", "pk")
        )
        findings = list(
            Finding.objects.select_related("source").order_by(
                "source__date", "source_id", "position", "pk"
            )
        )
        grouped = [(s, [f for f in findings if f.source_id == s.pk]) for s in sources]
        return {"grouped": grouped}


class BriefingView(SummaryView):
    """A print-ready paper on one partnership or authority. Its body lists every
    arrangement, saving and milestone of the subject, so it is cached as rendered HTML
    (until the data changes) rather than as figures."""

    template_name = "register/summary/briefing.html"
    body_template = "register/summary/briefing_body.html"
    narrowable = False

    def get_context_data(self, **kwargs):
        context = TemplateView.get_context_data(self, **kwargs)
        get = self.request.GET
        parts = (
            get.get("partnership"),
            get.get("authority"),
            self.request.scheme,
            self.request.get_host(),
            datetime.date.today(),
        )
        context.update(cached(self.request, "briefing", parts, self.briefing))
        return context

    def briefing(self) -> dict:
        figures = self.summary(None, [])
        if "subject" not in figures:
            return evaluated(figures)
        # The "online version" link names the subject only: the rest of whichever address
        # first rendered this cached body must not reach the next reader.
        figures["online_url"] = self.request.build_absolute_uri(
            f"{self.request.path}?{urlencode(figures['params'])}"
        )
        body = render_to_string(self.body_template, figures, request=self.request)
        return {"subject": figures["subject"], "body": body}

    def summary(self, arrangements, narrowing):
        partnership_slug = self.request.GET.get("partnership")
        code = self.request.GET.get("authority")
        visible = Arrangement.objects.visible_to(self.request.user)
        if partnership_slug:
            subject = Partnership.objects.filter(slug=partnership_slug).first()
            if subject is None:
                raise Http404("No such partnership")
            chosen = visible.filter(partnership=subject)
            authorities = subject.members.all()
            params = {"partnership": subject.slug}
        elif code:
            subject = Authority.objects.filter(code=code.strip().upper()[:3]).first()
            if subject is None:
                raise Http404("No such authority")
            chosen = visible.filter(memberships__authority=subject).distinct()
            authorities = Authority.objects.filter(pk=subject.pk)
            params = {"authority": subject.code}
        else:
            return {"choices": Partnership.objects.order_by("name")}
        chosen = Arrangement.objects.filter(pk__in=chosen.values("pk"))
        savings = Saving.objects.filter(arrangement__in=chosen.values("pk"))
        statuses = summaries.status_counts(chosen)
        for row in statuses:
            row["url"] = list_url("register:arrangement-list", [], status=row["status"], **params)
        return {
            "subject": subject,
            "params": params,
            "totals": summaries.list_totals(chosen),
            "list_url": list_url("register:arrangement-list", [], **params),
            "statuses": [s for s in statuses if s["count"]],
            "arrangements": chosen.with_totals().select_related("parent").order_by("title", "pk"),
            "targets": summaries.targets_and_savings(
                authorities, Saving.objects.visible_to(self.request.user)
            ),
            "savings": savings.select_related("arrangement", "authority").order_by(
                "financial_year", "pk"
            ),
            "milestones": Milestone.objects.filter(arrangement__in=chosen.values("pk"))
            .select_related("arrangement")
            .order_by(F("date").asc(nulls_last=True), "pk"),
            "barriers": chosen.exclude(barriers=[]).order_by("title", "pk"),
            "sources": Source.objects.filter(arrangements__in=chosen.values("pk"))
            .distinct()
            .order_by("date", "pk"),
            "today": datetime.date.today(),
        }
