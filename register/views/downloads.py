"""Downloads of a list page: the formats it offers, with spreadsheet-safe cells."""

from __future__ import annotations

from django_tables2.export.export import TableExport
from django_tables2.export.views import ExportMixin

from ..exports import escape_dataset


class SpreadsheetSafeTableExport(TableExport):
    """django-tables2's export, with every cell that a spreadsheet would read as a
    formula escaped (register/exports.py). JSON is data, not a spreadsheet: left as is."""

    DATA_FORMATS = (TableExport.JSON, TableExport.YAML)

    def export(self):
        if self.format in self.DATA_FORMATS:
            return super().export()
        return escape_dataset(self.dataset).export(self.format)


FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "json": "JSON"}


class ListExportMixin(ExportMixin):
    """Exports of a list page, escaped, in the formats the page offers (export_formats)
    and no others: django-tables2 would otherwise answer ?_export= with any format it
    knows, unescaped TSV and LaTeX among them, and fail on those whose writers are not
    installed."""

    export_class = SpreadsheetSafeTableExport

    def render_to_response(self, context, **kwargs):
        export_format = self.request.GET.get(self.export_trigger_param)
        filterset = getattr(self, "filterset", None)
        invalid = filterset is not None and filterset.is_bound and not filterset.is_valid()
        if export_format in self.export_formats and invalid:
            # Not an empty file that looks like an answer: the page, saying what is wrong
            # with the filters.
            response = super(ExportMixin, self).render_to_response(context, **kwargs)
            response.status_code = 400
            return response
        if export_format in self.export_formats:
            return self.create_export(export_format)
        # Past ExportMixin's own, which would export in any format it knows.
        return super(ExportMixin, self).render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["request_notes"] = self.request_notes(context.get("table"))
        return context

    def request_notes(self, table) -> list[str]:
        """What the address asked for that the page cannot do, said on the page rather
        than passed over: a download in a format it does not offer, a sort by something
        that is not one of its columns."""
        notes = []
        asked = self.request.GET.get(self.export_trigger_param)
        if asked is not None and asked not in self.export_formats:
            offered = ", ".join(FORMAT_NAMES.get(f, f) for f in self.export_formats)
            notes.append(
                f"There is no \u201c{asked[:20]}\u201d download of this list: it can be "
                f"downloaded as {offered} (below). This is the page instead."
            )
        sort = self.request.GET.get("sort")
        if sort is not None and table is not None:
            sortable = {column.name for column in table.columns if column.orderable}
            if any(part.strip().removeprefix("-") not in sortable for part in sort.split(",")):
                notes.append(
                    f"This list cannot be sorted by \u201c{sort[:40]}\u201d, so it is in its "
                    "usual order. Sort it by choosing a column heading."
                )
        return notes
