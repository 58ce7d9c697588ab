"""The scrutiny summaries under /summary/: each view narrows the arrangements by the
list's own filters, calls one function of register/summaries.py and renders it."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.http import Http404
from django.template.loader import render_to_string
from django.views.generic import TemplateView

from .. import links, selectors, summaries
from ..filters import ArrangementFilterSet
from ..models import Arrangement, Authority, Partnership

# The list filters a summary can be narrowed by.
NARROWING = ("region", "partnership", "service_area", "status", "start_year_min", "start_year_max")


class SummaryView(TemplateView):
    """Narrows the visible arrangements by the list's own filters; the figures and their
    links come from ``figures()``."""

    narrowable = True

    def narrowed(self):
        data = self.request.GET.copy()
        for key in list(data):
            if key not in NARROWING or not self.narrowable:
                del data[key]
        queryset = Arrangement.objects.visible_to(self.request.user)
        filterset = ArrangementFilterSet(data, queryset=queryset, request=self.request)
        valid = filterset.is_valid()
        arrangements = filterset.qs if valid else queryset.none()
        narrowing = [(k, v) for k in NARROWING for v in filterset.data.getlist(k)] if valid else []
        return filterset, arrangements, narrowing

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset, arrangements, narrowing = self.narrowed()
        labels = [
            f"{group['heading']}: {', '.join(item['label'] for item in group['items'])}"
            for group in filterset.applied()
        ]
        context.update(
            filter=filterset,
            narrowing=narrowing,
            narrowing_labels=labels if narrowing else [],
            narrowing_query=urlencode(narrowing),
            arrangements_url=links.arrangements_url(narrowing),
            options=filterset.options(selectors.option_lists()),
            comparison_rule=summaries.COMPARISON_RULE,
        )
        context.update(self.figures(arrangements, narrowing))
        return context

    def figures(self, arrangements, narrowing) -> dict:
        raise NotImplementedError


class SummaryIndexView(SummaryView):
    template_name = "register/summary/index.html"

    def figures(self, arrangements, narrowing):
        return summaries.index_figures(arrangements, narrowing)


class TierSummaryView(SummaryView):
    template_name = "register/summary/tiers.html"

    def figures(self, arrangements, narrowing):
        return summaries.tier_figures(arrangements, narrowing)


class ServiceAreaSummaryView(SummaryView):
    template_name = "register/summary/service_areas.html"

    def figures(self, arrangements, narrowing):
        return summaries.service_area_figures(arrangements, narrowing)


class RegionSummaryView(SummaryView):
    template_name = "register/summary/regions.html"

    def figures(self, arrangements, narrowing):
        return summaries.region_figures(arrangements, narrowing)


class SavingsSummaryView(SummaryView):
    template_name = "register/summary/savings.html"

    def figures(self, arrangements, narrowing):
        return summaries.savings_figures(arrangements, narrowing, self.request.user)


class PipelineSummaryView(SummaryView):
    template_name = "register/summary/pipeline.html"

    def get_context_data(self, **kwargs):
        self.as_of, as_of_error = parse_as_of(self.request.GET.get("as_of"))
        return {
            **super().get_context_data(**kwargs),
            "as_of": self.as_of,
            "as_of_error": as_of_error,
        }

    def figures(self, arrangements, narrowing):
        return summaries.pipeline_figures(arrangements, narrowing, self.as_of)


def parse_as_of(text):
    """The date of ``?as_of=`` (today when absent), and an error message when it is bad."""
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

    def figures(self, arrangements, narrowing):
        return summaries.national_figures()


class BriefingView(TemplateView):
    """A print-ready paper on one partnership or authority."""

    template_name = "register/summary/briefing.html"
    body_template = "register/summary/briefing_body.html"

    def subject(self):
        get = self.request.GET
        if get.get("partnership"):
            partnership = Partnership.objects.filter(slug=get["partnership"]).first()
            if partnership is None:
                raise Http404("No such partnership")
            return {"partnership": partnership}
        if get.get("authority"):
            authority = Authority.objects.filter(code=get["authority"].strip().upper()[:3]).first()
            if authority is None:
                raise Http404("No such authority")
            return {"authority": authority}
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.subject()
        if subject is None:
            return {**context, "choices": Partnership.objects.order_by("name")}
        return {**context, **self.body(subject)}

    def body(self, subject) -> dict:
        figures = summaries.briefing_figures(self.request.user, **subject)
        # The "online version" link names the subject only.
        figures["online_url"] = self.request.build_absolute_uri(
            f"{self.request.path}?{urlencode(figures['params'])}"
        )
        body = render_to_string(self.body_template, figures, request=self.request)
        return {"subject": figures["subject"], "body": body}
