"""The list of arrangements (filters, table, totals, exports) and one arrangement's page."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from .. import selectors
from ..exports import stream_csv
from ..filters import ArrangementFilterSet
from ..models import Arrangement
from ..tables import ArrangementTable, BoundedPaginator
from .downloads import ListExportMixin
from .paging import PAGE_SIZES, page_size

EXPORT_CHUNK = 2000  # rows whose export-only columns are read at once


class ArrangementListView(ListExportMixin, SingleTableMixin, FilterView):
    model = Arrangement
    table_class = ArrangementTable
    filterset_class = ArrangementFilterSet
    template_name = "register/arrangement_list.html"
    export_formats = ("csv", "xlsx", "json")
    export_name = "arrangements"
    default_page_size = 25

    def get_queryset(self):
        return selectors.visible_arrangement_rows(self.request.user)

    def searching(self) -> bool:
        # A sort that is not one of the columns' is no sort: the search keeps its order.
        return bool(self.request.GET.get("q", "").strip()) and not self.sort_applies()

    def get_table_data(self):
        data = super().get_table_data()
        if self.export_asked() in self.export_formats:
            data = selectors.for_export(data, self.request.user)
        if (
            self.searching()
            and connection.vendor == "postgresql"
            and "search_rank" in data.query.annotations
        ):
            return data.order_by("-search_rank", "title", "pk")
        return data

    def get_table_kwargs(self):
        # With a search and no chosen sort, keep the relevance order.
        return {"order_by": ()} if self.searching() else {}

    def get_table_pagination(self, table):
        return {
            "per_page": page_size(self.request, self.default_page_size),
            "paginator_class": BoundedPaginator,
        }

    def page(self) -> dict:
        if not hasattr(self, "_page"):
            self._page = selectors.arrangement_list(self.request, self.filterset, self.object_list)
        return self._page

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        # The paginator needs the row count, which the totals already hold.
        table.data._length = self.page()["totals"].arrangements
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(
            table
        )

    def create_export(self, export_format):
        table = self.get_table_class()(data=self.get_table_data(), **self.get_table_kwargs())
        RequestConfig(self.request, paginate=False).configure(table)
        if export_format != "csv":
            # A spreadsheet or JSON is built whole: the rows are read once, in the table's
            # order, given what the export-only columns show, and exported as they are.
            rows = list(table.data.data)
            for start in range(0, len(rows), EXPORT_CHUNK):
                table.prepare_export_rows(rows[start : start + EXPORT_CHUNK])
            exporter = self.export_class(
                export_format=export_format,
                table=table,
                exclude_columns=self.exclude_columns,
                dataset_kwargs=self.get_dataset_kwargs(),
            )
            return exporter.response(filename=self.get_export_filename(export_format))
        # CSV is streamed a chunk at a time, so every row of a national list costs little
        # memory.
        response = StreamingHttpResponse(
            stream_csv(table, EXPORT_CHUNK),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}.csv"'
        return response

    def get_context_data(self, **kwargs):
        context = {
            **super().get_context_data(**kwargs),
            **self.page(),
            "per_page": page_size(self.request, self.default_page_size),
            "page_sizes": PAGE_SIZES,
        }
        table = context.get("table")
        if self.export_asked() not in self.export_formats and getattr(table, "page", None):
            # The map of the rows on this page, as the table shows them (read once).
            context["map"] = selectors.arrangement_list_map(
                [row.record for row in table.page.object_list], context["totals"].arrangements
            )
        return context


class ArrangementDetailView(DetailView):
    template_name = "register/arrangement_detail.html"
    context_object_name = "arrangement"

    def get_object(self, queryset=None):
        try:
            return selectors.arrangement_detail(self.request, self.kwargs["slug"])
        except Arrangement.DoesNotExist:
            raise Http404("No such arrangement") from None

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **selectors.arrangement_page(self.request, self.object),
        }
