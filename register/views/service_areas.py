"""The service-area taxonomy and one area's arrangements."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import DetailView, TemplateView
from django_tables2 import SingleTableMixin

from .. import selectors
from ..models import ServiceArea
from ..tables import ArrangementTable
from .paging import page_size

# What the service area's "find partners" form says when it comes back unanswered.
CHOOSE_A_COUNCIL = "Choose a council from the list to find partners for."
PARTNER_ERRORS = {"many": "Choose one council: the address named more than one."}


class ServiceAreaListView(TemplateView):
    template_name = "register/service_area_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "tree": selectors.service_area_list(self.request.user),
        }


class ServiceAreaDetailView(SingleTableMixin, DetailView):
    template_name = "register/service_area_detail.html"
    context_object_name = "area"
    table_class = ArrangementTable
    queryset = ServiceArea.objects.select_related("parent")

    def get_table_data(self):
        return selectors.service_area_rows(self.request.user, self.object)

    def get_table_pagination(self, table):
        return {"per_page": page_size(self.request)}

    def get_context_data(self, **kwargs):
        area = self.object
        return {
            **super().get_context_data(**kwargs),
            "services": list(area.children.all()) if area.is_category else [],
            "list_url": f"{reverse('register:arrangement-list')}?service_area={area.slug}",
            "partner_councils": selectors.partner_finder_councils(),
            "partner_error": (
                PARTNER_ERRORS.get(self.request.GET["partner_error"], CHOOSE_A_COUNCIL)
                if "partner_error" in self.request.GET
                else None
            ),
        }
