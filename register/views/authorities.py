"""The list of authorities and one authority's page."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export.views import ExportMixin

from .. import charts, links, selectors
from ..filters import AuthorityFilterSet, repeated
from ..forms import PartnerFinderForm
from ..models import Authority, ServiceArea
from ..partners import USUAL_AT_LEAST
from ..partners import WEIGHTS as PARTNER_WEIGHTS
from ..tables import AuthorityTable, ListPaginator, PartnerTable
from .downloads import ListExportMixin
from .paging import page_size


class AuthorityListView(ListExportMixin, SingleTableMixin, FilterView):
    model = Authority
    table_class = AuthorityTable
    filterset_class = AuthorityFilterSet
    template_name = "register/authority_list.html"
    export_formats = ("csv", "xlsx", "json")
    export_name = "authorities"
    default_page_size = 50

    def get_queryset(self):
        return selectors.authority_rows(self.request.user)

    def get_table_pagination(self, table):
        return {
            "per_page": page_size(self.request, self.default_page_size),
            "paginator_class": ListPaginator,
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **selectors.authority_list(self.request, self.filterset),
        }


class AuthorityDetailView(DetailView):
    template_name = "register/authority_detail.html"
    context_object_name = "authority"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        return selectors.authority_detail_queryset()

    def get(self, request, *args, **kwargs):
        code = kwargs[self.slug_url_kwarg]
        if code != code.upper() and Authority.objects.filter(code=code.upper()).exists():
            # Codes are capitals; a typed "cld" goes to CLD's page rather than a 404.
            return redirect("register:authority-detail", code=code.upper(), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = {
            **super().get_context_data(**kwargs),
            **selectors.authority_page(self.request.user, self.object),
        }
        # The chart draws the rows of the targets table beside it: no query of its own.
        context["savings_chart"] = charts.targets_chart(
            context["targets_by_year"], self.object.name
        )
        if self.object.is_council:
            context["compare_url"] = links.list_url("register:compare", authority=self.object.code)
        context["finder_closed"] = self.object.seeks_partners_on(datetime.date.today())
        return context


class PartnerFinderView(ListExportMixin, SingleTableMixin, TemplateView):
    """Councils that could share one service with this one, ranked by a score the page
    explains (register/partners.py). Without a service area, or with one that is not in
    the taxonomy, the page asks for one; an unknown council is a 404."""

    template_name = "register/partner_finder.html"
    table_class = PartnerTable
    table_pagination = False
    export_formats = ("csv", "xlsx", "json")

    def get(self, request, *args, **kwargs):
        code = kwargs["code"]
        try:
            self.authority = selectors.partner_finder_authority(code)
        except Authority.DoesNotExist:
            if code != code.upper() and Authority.objects.filter(code=code.upper()).exists():
                query = request.GET.urlencode()
                url = reverse("register:partner-finder", kwargs={"code": code.upper()})
                return redirect(f"{url}?{query}" if query else url, permanent=True)
            raise Http404("No such authority") from None
        self.closed = self.authority.seeks_partners_on(datetime.date.today())
        if self.closed:
            # An abolished council, or another public body: nothing to rank; the page
            # says why and points to the councils that replaced it.
            self.form = PartnerFinderForm(None, tree=[])
            self.finder = {"tree": [], "area": None}
            return super().get(request, *args, **kwargs)
        tree = selectors.service_area_tree()
        get = request.GET
        self.form = PartnerFinderForm(get if "service_area" in get else None, tree=tree)
        area = self.form.area()
        self.finder = {"tree": tree, "area": area}
        if area is not None:
            self.finder |= selectors.partner_finder(
                request.user, self.authority, area, tree, every=self.exporting()
            )
        return super().get(request, *args, **kwargs)

    @property
    def export_name(self):
        area = self.finder.get("area")
        return f"partners-{self.authority.code}-{area.slug if area else 'none'}"

    def get_export_filename(self, export_format):
        return f"{self.export_name}.{export_format}"

    def exporting(self) -> bool:
        """A download in one of the formats offered (any other asked for gets the page,
        with a note saying so)."""
        return self.export_asked() in self.export_formats

    def get_table_data(self):
        if self.finder.get("area") is None:
            return []
        return self.finder["candidates"] if self.exporting() else self.finder["shown"]

    def render_to_response(self, context, **kwargs):
        if self.exporting() and self.finder.get("area") is None:
            # No service chosen: the page asking for one, not an empty file.
            response = super(ExportMixin, self).render_to_response(context, **kwargs)
            response.status_code = 400
            return response
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **self.finder,
            "authority": self.authority,
            "closed": self.closed,
            "successors": list(self.authority.successors.order_by("name")) if self.closed else [],
            "service_area_asked": self.request.GET.get("service_area", ""),
            "form": self.form,
            "shown_count": len(self.finder.get("shown", ())),
            "weights": PARTNER_WEIGHTS,
            "usual_at_least": USUAL_AT_LEAST,
        }


class ServiceAreaPartnersView(View):
    """The service area page's "find partners for a council" form: with a council chosen
    it goes to that council's partner finder for the area; otherwise back to the area's
    page, which then says what to choose."""

    def get(self, request, slug):
        area = get_object_or_404(ServiceArea, slug=slug)
        if repeated(request.GET, "authority"):
            # Which council was meant cannot be known: none is picked in silence.
            return redirect(f"{area.get_absolute_url()}?partner_error=many#find-partners")
        code = request.GET.get("authority", "").strip().upper()
        # Only a council its chooser offers: in existence today, not another public body.
        if code in dict(selectors.partner_finder_councils()):
            url = reverse("register:partner-finder", kwargs={"code": code})
            return redirect(f"{url}?service_area={area.slug}")
        return redirect(f"{area.get_absolute_url()}?partner_error=1#find-partners")
