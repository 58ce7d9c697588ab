"""Downloads of a list page: the formats it offers, with spreadsheet-safe cells."""

from __future__ import annotations

from django_tables2.export.export import TableExport
from django_tables2.export.views import ExportMixin

from ..exports import escape_dataset
from ..filters import repeated
from .paging import page_size_note


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
    # The list's page size when none (or one it does not offer) is asked for; None for a
    # list shown whole.
    default_page_size: int | None = None

    # How the list is shown: each takes one value, and what it does with two cannot be
    # known (django-tables2 would take the last in silence).
    SHOWN_AS = {
        "sort": "the list is in its usual order",
        "page": "this is the first page",
        "per_page": "the page shows its usual number of rows",
        "_export": "this is the page, not a download",
    }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.refused_repeats = {}
        for name, instead in self.SHOWN_AS.items():
            message = repeated(request.GET, name)
            if message:
                self.refused_repeats[name] = (
                    f"\u201c{name}\u201d: {message} None is used: {instead}."
                )
        if self.refused_repeats:
            # Read as if none had been given, and the page says so (request_notes).
            query = request.GET.copy()
            for name in self.refused_repeats:
                query.pop(name)
            request.GET = query

    def export_asked(self) -> str | None:
        """The download format asked for, lower-cased: "CSV" is csv."""
        return (self.request.GET.get(self.export_trigger_param) or "").lower() or None

    def render_to_response(self, context, **kwargs):
        export_format = self.export_asked()
        filterset = getattr(self, "filterset", None)
        invalid = filterset is not None and filterset.is_bound and not filterset.is_valid()
        unknown_sort = self.sort_asked() is not None and not self.sort_applies()
        if export_format in self.export_formats and (
            invalid or self.refused_repeats or unknown_sort
        ):
            # Not a file that looks like an answer to what was asked: the page, saying
            # what is wrong with the filters or the sort.
            response = super(ExportMixin, self).render_to_response(context, **kwargs)
            response.status_code = 400
            return response
        if export_format in self.export_formats:
            return self.create_export(export_format)
        # Past ExportMixin's own, which would export in any format it knows.
        return super(ExportMixin, self).render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["request_notes"] = self.request_notes()
        context["sorted_as_chosen"] = self.sort_asked() is not None and self.sort_applies()
        context["asked_for_page"] = asked_for_page(self.request, context.get("table"))
        return context

    def sort_asked(self) -> str | None:
        """The sort the address asks for (None: none, or an empty one)."""
        return self.request.GET.get("sort") or None

    def sort_applies(self) -> bool:
        """Whether the table sorts by what the address asks: one of its sortable columns'
        names, as it is, or with a minus for the other way (what django-tables2 applies)."""
        asked = self.sort_asked()
        if asked is None:
            return False
        table_class = self.get_table_class()
        default = table_class._meta.orderable
        sortable = {
            name
            for name, column in table_class.base_columns.items()
            if (default if column.orderable is None else column.orderable)
        }
        return asked.removeprefix("-") in sortable

    def request_notes(self) -> list[str]:
        """What the address asked for that the page cannot do, said on the page rather
        than passed over: a download in a format it does not offer, a sort by something
        that is not one of its columns."""
        notes = list(self.refused_repeats.values())
        if self.default_page_size is not None:
            note = page_size_note(self.request, self.default_page_size)
            if note:
                notes.append(note)
        asked = self.request.GET.get(self.export_trigger_param)
        if asked and self.export_asked() not in self.export_formats:  # empty: none asked
            offered = ", ".join(FORMAT_NAMES.get(f, f) for f in self.export_formats)
            notes.append(
                f"There is no \u201c{shortened(asked, 20)}\u201d download of this list: it "
                f"can be downloaded as {offered} (below). This is the page instead."
            )
        sort = self.sort_asked()
        if sort is not None and not self.sort_applies():
            notes.append(
                f"This list cannot be sorted by \u201c{shortened(sort, 40)}\u201d, so it is in "
                "its usual order. Sort it by choosing a column heading."
            )
        return notes


def asked_for_page(request, table) -> str | None:
    """The page asked for, as given, when the list has no such page (and so shows
    another): beyond its pages, below the first, or not a number."""
    given = request.GET.get("page", "").strip()
    paginator = getattr(table, "paginator", None)
    if not given or paginator is None:
        return None
    try:
        asked = int(given)
    except ValueError:
        return given[:20]
    return given if asked < 1 or asked > paginator.num_pages else None


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
