"""The list of authorities and one authority's page."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .. import charts, links, selectors
from ..filters import AuthorityFilterSet
from ..models import Authority
from ..tables import AuthorityTable
from .downloads import ListExportMixin
from .paging import page_size


class AuthorityListView(ListExportMixin, SingleTableMixin, FilterView):
    model = Authority
    table_class = AuthorityTable
    filterset_class = AuthorityFilterSet
    template_name = "register/authority_list.html"
    export_formats = ("csv", "xlsx", "json")
    export_name = "authorities"

    def get_queryset(self):
        return selectors.authority_rows(self.request.user)

    def get_table_pagination(self, table):
        return {"per_page": page_size(self.request, default=50)}

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
        context["compare_url"] = links.list_url("register:compare", authority=self.object.code)
        return context
