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
