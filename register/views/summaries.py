"""The scrutiny summaries under /summary/: each view narrows the arrangements by the
list's own filters, calls one function of register/summaries.py and renders it."""

from __future__ import annotations

import datetime
import logging
from urllib.parse import urlencode

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.generic import TemplateView

from .. import briefings, charts, links, pdf, selectors, summaries
from ..models import Partnership

log = logging.getLogger(__name__)


class SummaryView(TemplateView):
    """Narrows the visible arrangements by the list's own filters; the figures and their
    links come from ``figures()``."""

    narrowable = True

    def narrowed(self):
        narrowed = selectors.summary_narrowing(self.request, self.narrowable)
        # Every arrangement the reader may see: nothing narrows them, and nothing is wrong.
        self.unfiltered_for = narrowed.unfiltered_for
        return narrowed.filterset, narrowed.arrangements, narrowed.narrowing

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
        return summaries.index_figures(arrangements, narrowing, unfiltered_for=self.unfiltered_for)


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
        figures = summaries.savings_figures(arrangements, narrowing)
        # The chart draws the page's own rows by year: no query, no figure of its own.
        figures["savings_chart"] = charts.by_year_chart(figures["rows"])
        return figures


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
    """A paper on one partnership or authority, to read on screen, print on A4 or download
    as a PDF (``?format=pdf``), and, with neither chosen, the picker that asks which.

    It is computed on each request, with a fixed number of queries, and uses no cache:
    main drops register.caching, so nothing here depends on it. An unknown council or
    partnership gets the picker again, with an error message, as a 404."""

    template_name = "register/summary/briefing.html"
    body_template = "register/summary/briefing_body.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        wanted = request.GET.get("format", "").strip().lower()
        if context.get("subject") and wanted not in ("", "pdf"):
            context["pdf_problem"] = (
                f"There is no “{wanted[:20]}” version of a briefing: this page, printed, "
                "or its PDF."
            )
            context["status"] = 400
        elif context.get("subject") and wanted == "pdf" and context["pdf_url"]:
            try:
                return self.pdf_response(context)
            except Exception:  # noqa: BLE001  (the page still serves; the log says why)
                log.exception("Could not make the PDF of %s", request.get_full_path())
                context["pdf_problem"] = "The PDF could not be made. Print this page instead."
        elif context.get("subject") and wanted == "pdf":
            context["pdf_problem"] = context["pdf_refused"] or (
                "This server cannot make PDFs. Use your browser's print command instead: "
                "it can usually save the page as a PDF."
            )
        return self.render_to_response(context, status=context["status"])

    def chosen(self) -> tuple[dict | None, dict, dict]:
        """(subject, errors by field, the values asked for): the subject is
        {"partnership": ...} or {"authority": ...}, or None."""
        get = self.request.GET
        named = [v for key in ("partnership", "authority") for v in get.getlist(key) if v.strip()]
        if len(named) > 1:
            # Never one of them chosen silently: the reader says which.
            field = "authority" if get.getlist("authority") else "partnership"
            return (
                None,
                {field: "A briefing is on one council or one partnership: choose one"},
                {"partnership": "", "authority": ""},
            )
        asked = {key: get.get(key, "").strip()[:100] for key in ("partnership", "authority")}
        if asked["partnership"]:
            partnership = Partnership.objects.filter(slug=asked["partnership"]).first()
            if partnership is None:
                return (
                    None,
                    {
                        "partnership": "There is no such partnership in the register: "
                        "choose one from the list"
                    },
                    asked,
                )
            return {"partnership": partnership}, {}, asked
        if asked["authority"]:
            authority = briefings.find_authority(asked["authority"])
            if authority is None:
                return (
                    None,
                    {
                        "authority": f"No council in the register has the code or name "
                        f"“{asked['authority']}”: choose one from the list"
                    },
                    asked,
                )
            return {"authority": authority}, {}, asked
        errors = {}
        if "partnership" in get:
            errors["partnership"] = "Choose a partnership"
        elif "authority" in get:
            errors["authority"] = "Choose a council"
        return None, errors, asked

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject, errors, asked = self.chosen()
        if subject is None:
            unknown = any(asked[key] for key in errors)
            return {
                **context,
                "subject": None,
                "errors": errors,
                "asked": asked,
                "status": 404 if unknown else 200,
                **briefings.picker_choices(self.request.user),
            }
        today = datetime.date.today()
        body = self.body(subject, today)
        refused = briefings.pdf_refused(body["arrangements"])
        pdf_query = urlencode({**body["params"], "format": "pdf"})
        return {
            **context,
            **body,
            "today": today,
            "status": 200,
            "pdf_refused": refused,
            "pdf_url": None if pdf.unavailable() or refused else f"{self.request.path}?{pdf_query}",
        }

    def body(self, subject, today) -> dict:
        briefing = briefings.briefing(
            self.request.user, **subject, today=today, absolute=self.request.build_absolute_uri
        )
        # The "online version" link names the subject only.
        online = f"{self.request.path}?{urlencode(briefing.params)}"
        briefing.online_link = briefings.Link(
            self.request.build_absolute_uri(online),
            "online version",
            briefing.references.page(online, "This briefing, online"),
        )
        body = render_to_string(self.body_template, briefing.context(), request=self.request)
        return {
            "subject": briefing.subject,
            "params": briefing.params,
            "arrangements": len(briefing.described),
            "body": body,
        }

    def pdf_response(self, context) -> HttpResponse:
        subject, today = context["subject"], context["today"]

        context["pdf_url"] = None  # the PDF offers no PDF of itself
        page = render_to_string(self.template_name, context, request=self.request)
        content = pdf.html_to_pdf(
            page,
            self.request.build_absolute_uri("/"),
            title=f"Briefing for scrutiny: {subject.name}, {today.day} {today:%B %Y}",
        )
        name = slugify(getattr(subject, "code", "") or subject.slug or subject.name)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="briefing-{name}-{today:%Y-%m-%d}.pdf"'
        )
        return response
