"""Tables: declarative, sortable, and exportable as plain text.

Every ordering ends with the primary key, so pages never skip or repeat rows.
Columns that render HTML define ``value_<column>`` so exports get plain text.
"""

from __future__ import annotations

import inspect
import math

import django_tables2 as tables
from django.core.paginator import Page, PageNotAnInteger, Paginator
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django_tables2.data import TableQuerysetData

from .models import Arrangement, Authority, Status

TABLE_ATTRS = {
    "class": "govuk-table",
    "th": {"class": "govuk-table__header"},
    "td": {"class": "govuk-table__cell"},
}
# The list tables have many columns: on a narrow screen they scroll sideways in their box
# at a width that keeps every column readable.
WIDE_TABLE_ATTRS = {**TABLE_ATTRS, "class": "govuk-table app-table--wide"}
NUMERIC = {
    "th": {"class": "govuk-table__header govuk-table__header--numeric"},
    "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
}

STATUS_TAG_COLOURS = {
    Status.PROPOSED: "govuk-tag--grey",
    Status.UNDER_CONSIDERATION: "govuk-tag--light-blue",
    Status.IN_DEVELOPMENT: "govuk-tag--blue",
    Status.PROCUREMENT: "govuk-tag--purple",
    Status.OPERATIONAL: "govuk-tag--green",
    Status.NOT_PURSUED: "govuk-tag--orange",
    Status.ENDED: "govuk-tag--grey",
}


def order_nulls_last(queryset, field: str, is_descending: bool):
    """Order by a column that may be empty, empties last either way (as on every database),
    then by title and primary key."""
    if is_descending:
        return queryset.order_by(F(field).desc(nulls_last=True), "-title", "-pk")
    return queryset.order_by(F(field).asc(nulls_last=True), "title", "pk")


class ListPaginator(Paginator):
    """A page number below 1 is read as not a number, so django-tables2 shows the first
    page, as for ?page=abc, rather than the last (its answer to any page it lacks)."""

    def validate_number(self, number):
        try:
            below_one = int(number) < 1
        except (TypeError, ValueError):
            below_one = False  # Django's own check says it is not a number
        if below_one:
            raise PageNotAnInteger("That page number is less than 1")
        return super().validate_number(number)


class BoundedPaginator(ListPaginator):
    """Pages up to the first ``max_rows`` rows of a list, in whatever order it is sorted.
    A page deeper than that would make the database step over every row before it;
    nobody reads page 1,938 of a list, and the export holds every row. The count stays
    true: the page says how many there are and how to reach the rest."""

    max_rows = 2500

    @cached_property
    def num_pages(self):
        reachable = max(1, math.ceil(self.max_rows / self.per_page))
        return min(super().num_pages, reachable)

    @cached_property
    def bounded(self) -> bool:
        return self.count > self.num_pages * self.per_page

    def _get_page(self, *args, **kwargs):
        return BoundedPage(*args, **kwargs)


class BoundedPage(Page):
    def end_index(self) -> int:
        """The last row's number: Django's Page says "the whole count" on the last page,
        which here may not be the list's last row."""
        if self.paginator.count == 0:
            return 0
        return min(self.number * self.paginator.per_page, self.paginator.count)


class IdsFirst(TableQuerysetData):
    """A page of rows read in two steps: the ids of the page, in order, which an index
    of the sort column gives without reading the rows; then those few rows in full.
    Deep pages then skip index entries, not whole rows with everything they carry."""

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        ids = list(self.data.values_list("pk", flat=True)[key])
        rows = {row.pk: row for row in self.data.order_by().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


class QuickCells:
    """A page of rows as HTML, one string of cells per row, with what django-tables2
    would render in each cell: a column's default for an empty value, its ``render_``
    method otherwise, else the value, escaped. django-tables2 works out which arguments
    each ``render_`` method takes for every cell it renders, which cost most of the 65 ms
    a page of 25 rows took; here it is worked out once per column, and each row's cells
    are joined here rather than by a template loop over every cell."""

    def page_rows(self) -> list[str]:
        plans = []
        for bound in self.columns:
            render = getattr(self, f"render_{bound.name}", None)
            wants = set(inspect.signature(render).parameters) if render else set()
            plans.append((bound, render, wants, bound.attrs["td"].as_html()))
        rows = []
        for row in self.page.object_list:
            record = row.record
            cells = []
            for bound, render, wants, attrs in plans:
                value = bound.accessor.resolve(record, quiet=True)
                if value in bound.column.empty_values:
                    html = conditional_escape(bound.default)
                elif render is not None:
                    given = {"record": record, "value": value}
                    html = conditional_escape(render(**{k: given[k] for k in wants}))
                else:
                    html = conditional_escape(value)
                cells.append(f"<td {attrs}>{html}</td>")
            # Each cell's attributes come from the column (as_html escapes them) and its
            # content was escaped above.
            rows.append(mark_safe("".join(cells)))  # noqa: S308
        return rows


def status_tag(status: str, label: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_TAG_COLOURS.get(status, ""), label
    )


def downloads_only_not_sortable(table_class):
    """A column shown only in downloads (visible=False) cannot be sorted by: a list
    sorted by a column nobody sees would look unsorted, and the page said it was sorted
    as chosen. Such a sort is said to be unknown instead (ListExportMixin)."""
    for column in table_class.base_columns.values():
        if not column.visible:
            column.orderable = False
    return table_class


@downloads_only_not_sortable
class ArrangementTable(QuickCells, tables.Table):
    title = tables.Column(order_by=("title", "pk"))
    status = tables.Column(order_by=("status", "title", "pk"))
    kind = tables.Column(order_by=("kind", "title", "pk"))
    # Column names are part of shareable addresses (?sort=lead_name), so they stay as
    # they were when these figures were computed per request rather than stored.
    lead_name = tables.Column(
        verbose_name="Lead authority",
        order_by=("lead_name", "title", "pk"),
        default="Not recorded",
    )
    partner_count = tables.Column(
        verbose_name="Partners",
        order_by=("partner_count", "title", "pk"),
        attrs=NUMERIC,
    )
    service_areas = tables.Column(
        verbose_name="Service areas",
        accessor="first_service_area",
        order_by=("first_service_area", "title", "pk"),
    )
    savings_total = tables.Column(
        verbose_name="Savings recorded",
        accessor="savings_lower",
        order_by=("savings_lower", "title", "pk"),
        attrs=NUMERIC,
    )
    start_date = tables.Column(
        verbose_name="Start", order_by=("start_date", "title", "pk"), default="Not stated"
    )
    # In exports only: the savings column's figures as numbers, for a spreadsheet.
    savings_lower = tables.Column(verbose_name="Savings at least (£)", visible=False)
    savings_upper = tables.Column(
        verbose_name="Savings at most (£; empty when open-ended)", visible=False
    )
    percentage_savings = tables.Column(
        verbose_name="Percentage savings", accessor="pk", visible=False
    )
    open_to_members = tables.Column(verbose_name="Welcomes new members", visible=False)
    contact_role = tables.Column(verbose_name="New members' contact (role)", visible=False)
    contact_email = tables.Column(
        verbose_name="New members' contact (shared mailbox)", visible=False
    )
    partners = tables.Column(verbose_name="Partners (code: role)", accessor="pk", visible=False)
    sources = tables.Column(verbose_name="Sources", accessor="pk", visible=False)
    end_date = tables.Column(verbose_name="End", visible=False)
    review_date = tables.Column(verbose_name="Review due", visible=False)
    break_date = tables.Column(
        verbose_name="Break clause (a partner may leave from)", visible=False
    )
    how_to_leave = tables.Column(verbose_name="How a partner may leave", visible=False)
    # Not a sort: its order would place the confirmations a reader may not see.
    last_confirmed_at = tables.Column(
        verbose_name="Last confirmed by a council", visible=False, orderable=False
    )
    address = tables.Column(verbose_name="Address", accessor="pk", visible=False)

    class Meta:
        model = Arrangement
        fields = ()
        sequence = (
            "title",
            "status",
            "kind",
            "lead_name",
            "partner_count",
            "service_areas",
            "savings_total",
            "start_date",
            "savings_lower",
            "savings_upper",
            "percentage_savings",
            "open_to_members",
            "contact_role",
            "contact_email",
            "partners",
            "sources",
            "end_date",
            "review_date",
            "break_date",
            "how_to_leave",
            "last_confirmed_at",
            "address",
        )
        order_by = ("title",)
        per_page = 25
        # The view checks the page size (25, 50 or 100); the table never reads it from the URL.
        per_page_field = "per_page_checked_by_view"
        empty_text = "No arrangements match these filters."
        attrs = WIDE_TABLE_ATTRS

    # Names the table, and the region it scrolls in on a narrow screen.
    caption = "Arrangements"

    def __init__(self, data=None, *args, **kwargs):
        if TableQuerysetData.validate(data):
            data = IdsFirst(data)
        super().__init__(data, *args, **kwargs)

    def value_getter(self, name: str):
        """A function of a record giving a column's plain-text export value: looked up
        once per column, not once per cell."""
        method = getattr(self, f"value_{name}", None)
        if method is not None:
            return lambda record: method(record=record)

        def attribute(record):
            value = getattr(record, name, "")
            return "" if value is None else value

        return attribute

    def render_title(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>', record.get_absolute_url(), record.title
        )

    def value_title(self, record):
        return record.title

    def value_partner_count(self, record):
        return record.partner_count

    def order_lead_name(self, queryset, is_descending):
        return order_nulls_last(queryset, "lead_name", is_descending), True

    def order_start_date(self, queryset, is_descending):
        return order_nulls_last(queryset, "start_date", is_descending), True

    def order_service_areas(self, queryset, is_descending):
        return order_nulls_last(queryset, "first_service_area", is_descending), True

    def render_status(self, record):
        return status_tag(record.status, record.get_status_display())

    def value_status(self, record):
        return STATUS_LABELS.get(record.status, record.status)

    def render_kind(self, record):
        return record.get_kind_display()

    def value_kind(self, record):
        return KIND_LABELS.get(record.kind, record.kind)

    def render_lead_name(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            record.lead.get_absolute_url(),
            record.lead_name,
        )

    def value_lead_name(self, record):
        return record.lead_name or ""

    def render_service_areas(self, record):
        return (
            format_html_join(
                ", ",
                '<a class="govuk-link" href="{}">{}</a>',
                ((area.get_absolute_url(), area.name) for area in record.service_areas.all()),
            )
            or "Not recorded"
        )

    def value_service_areas(self, record):
        return "; ".join(record.service_area_names)

    def render_savings_total(self, record):
        figure = record.savings_figure
        return figure.text if figure else "None recorded"

    def value_savings_total(self, record):
        figure = record.savings_figure
        return figure.text if figure else ""

    def value_savings_lower(self, record):
        return f"{record.savings_lower:.2f}" if record.savings_figures else ""

    def value_savings_upper(self, record):
        if not record.savings_figures or record.savings_upper is None:
            return ""
        return f"{record.savings_upper:.2f}"

    def value_open_to_members(self, record):
        return "Yes" if record.open_to_members else "No"

    # The export-only columns read what the export prefetches (EXPORT_PREFETCH).

    def prepare_export_rows(self, records) -> None:
        """Attach to a chunk of rows what the export-only columns show, as plain values:
        every download calls this before reading them."""
        from .selectors import attach_export_columns

        attach_export_columns(records)

    def value_percentage_savings(self, record):
        return "; ".join(record.export_percentages)

    def value_partners(self, record):
        return "; ".join(record.export_partners)

    def value_sources(self, record):
        return "; ".join(record.export_sources)

    def value_address(self, record):
        if not hasattr(self, "_origin"):  # once per export, not once per row
            request = getattr(self, "request", None)
            self._origin = request.build_absolute_uri("/")[:-1] if request is not None else ""
        return f"{self._origin}{record.get_absolute_url()}"

    def render_start_date(self, record):
        return record.start_display

    def value_start_date(self, record):
        return record.start_display

    def value_end_date(self, record):
        return record.end_display

    def value_review_date(self, record):
        return record.review_date.isoformat() if record.review_date else ""

    def value_break_date(self, record):
        return record.break_date.isoformat() if record.break_date else ""

    def value_last_confirmed_at(self, record):
        # The day, in the register's time zone: when is a date, never who.
        confirmed = record.seen_confirmed_at
        return timezone.localdate(confirmed).isoformat() if confirmed else ""


STATUS_LABELS = dict(Arrangement.Status.choices)
KIND_LABELS = dict(Arrangement.Kind.choices)


@downloads_only_not_sortable
class AuthorityTable(QuickCells, tables.Table):
    name = tables.Column(order_by=("name", "code"))
    code = tables.Column(order_by=("code",))
    tier = tables.Column(
        verbose_name="Tier", accessor="tier__name", order_by=("tier__position", "name", "code")
    )
    region = tables.Column(
        verbose_name="Region",
        accessor="region__name",
        order_by=("region__name", "name", "code"),
        default="Not recorded",
    )
    arrangement_count = tables.Column(
        verbose_name="Arrangements",
        default=0,
        order_by=("arrangement_count", "name", "code"),
        attrs=NUMERIC,
    )
    population = tables.Column(
        order_by=("population", "name", "code"),
        default="Not known",
        attrs=NUMERIC,
    )
    # In exports only: the identifiers other registers and open-data standards use.
    gss_code = tables.Column(verbose_name="GSS code", visible=False)
    org_id = tables.Column(verbose_name="org-id", visible=False)

    class Meta:
        model = Authority
        fields = ()
        sequence = (
            "name",
            "code",
            "tier",
            "region",
            "arrangement_count",
            "population",
            "gss_code",
            "org_id",
        )
        order_by = ("name",)
        per_page = 50
        per_page_field = "per_page_checked_by_view"
        empty_text = "No authorities match these filters."
        attrs = WIDE_TABLE_ATTRS

    caption = "Authorities"

    def render_name(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>', record.get_absolute_url(), record.name
        )

    def value_name(self, record):
        return record.name

    def render_population(self, value):
        return f"{value:,}"

    def value_population(self, value):
        return value

    def value_arrangement_count(self, value):
        return value or 0

    def render_arrangement_count(self, record, value):
        if not value:
            return "0"
        return format_html(
            '<a class="govuk-link" href="{}?authority={}">{}</a>',
            reverse("register:arrangement-list"),
            record.code,
            value,
        )


class PartnerTable(tables.Table):
    """The partner finder's download: each council ranked, with every part of its score.
    The page shows the same rows in its own markup (templates/register/partner_finder.html),
    with links; this is the plain-text shape of them."""

    rank = tables.Column(verbose_name="Rank", accessor="authority__code", orderable=False)
    name = tables.Column(verbose_name="Council", accessor="authority__name")
    code = tables.Column(verbose_name="Code", accessor="authority__code")
    tier = tables.Column(verbose_name="Tier", accessor="authority__tier__name")
    region = tables.Column(verbose_name="Region", accessor="authority__region__name")
    score = tables.Column(verbose_name="Score (out of 100)")
    km = tables.Column(verbose_name="Distance (km)")
    distance_approximate = tables.Column(verbose_name="Distance approximate", accessor="km")
    distance_points = tables.Column(verbose_name="Distance points (of 40)")
    shared = tables.Column(verbose_name="Place in common")
    place_points = tables.Column(verbose_name="Place points (of 20)")
    same_tier = tables.Column(verbose_name="Same tier")
    usual_level = tables.Column(verbose_name="Usual tier level for the service")
    tier_points = tables.Column(verbose_name="Tier points (of 15)")
    sharing = tables.Column(verbose_name="Arrangements of the service it takes part in")
    welcoming = tables.Column(verbose_name="Of those, welcoming new members")
    sharing_points = tables.Column(verbose_name="Sharing points (of 15)")
    arrangements = tables.Column(
        verbose_name="Its arrangements of the service (the last three added: title, lead)",
        accessor="authority__code",
    )
    partners_in = tables.Column(verbose_name="Arrangements it shares with this council")
    partner_points = tables.Column(verbose_name="Partner points (of 10)")

    class Meta:
        orderable = False
        attrs = WIDE_TABLE_ATTRS

    caption = "Councils that could share the service"

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._ranks = {id(candidate): n for n, candidate in enumerate(data or (), start=1)}

    def value_rank(self, record):
        return self._ranks.get(id(record), "")

    def value_km(self, record):
        return "" if record.km is None else round(record.km, 1)

    def value_distance_approximate(self, record):
        return "Yes" if record.approximate else "No"

    def value_shared(self, record):
        return record.shared or "nothing"

    def value_same_tier(self, record):
        return "Yes" if record.same_tier else "No"

    def value_usual_level(self, record):
        return "Yes" if record.usual_level else "No"

    def value_region(self, record):
        region = record.authority.region
        return region.name if region else ""

    def value_arrangements(self, record):
        return "; ".join(
            f"{arrangement.title} (lead: {arrangement.lead_name or 'none'})"
            for arrangement in record.arrangements
        )
