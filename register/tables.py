"""Tables: declarative, sortable, and exportable as plain text.

Every ordering ends with the primary key, so pages never skip or repeat rows.
Columns that render HTML define ``value_<column>`` so exports get plain text.
"""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html, format_html_join

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


def status_tag(status: str, label: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_TAG_COLOURS.get(status, ""), label
    )


class ArrangementTable(tables.Table):
    title = tables.Column(linkify=True, order_by=("title", "pk"))
    status = tables.Column(order_by=("status", "title", "pk"))
    kind = tables.Column(order_by=("kind", "title", "pk"))
    # Column names are part of shareable addresses (?sort=lead_name), so they stay as
    # they were when these figures were computed per request rather than stored.
    lead_name = tables.Column(
        verbose_name="Lead authority",
        accessor="lead__name",
        order_by=("lead__name", "title", "pk"),
        default="None named",
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
    savings_percentages = tables.Column(verbose_name="Percentage savings", visible=False)

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
            "savings_percentages",
        )
        order_by = ("title",)
        per_page = 25
        # The view checks the page size (25, 50 or 100); the table never reads it from the URL.
        per_page_field = "per_page_checked_by_view"
        empty_text = "No arrangements match these filters."
        attrs = WIDE_TABLE_ATTRS

    # Names the table, and the region it scrolls in on a narrow screen.
    caption = "Arrangements"

    def value_for(self, name: str, record):
        """A column's plain-text export value for one record, without building bound rows."""
        method = getattr(self, f"value_{name}", None)
        if method is not None:
            return method(record=record)
        value = getattr(record, name, "")
        return "" if value is None else value

    def value_title(self, record):
        return record.title

    def value_partner_count(self, record):
        return record.partner_count

    def order_lead_name(self, queryset, is_descending):
        return order_nulls_last(queryset, "lead__name", is_descending), True

    def order_start_date(self, queryset, is_descending):
        return order_nulls_last(queryset, "start_date", is_descending), True

    def order_service_areas(self, queryset, is_descending):
        return order_nulls_last(queryset, "first_service_area", is_descending), True

    def render_status(self, record):
        return status_tag(record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_kind(self, record):
        return record.get_kind_display()

    def value_kind(self, record):
        return record.get_kind_display()

    def render_lead_name(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            record.lead.get_absolute_url(),
            record.lead.name,
        )

    def value_lead_name(self, record):
        return record.lead.name if record.lead_id else ""

    def render_service_areas(self, record):
        return (
            format_html_join(
                ", ",
                '<a class="govuk-link" href="{}">{}</a>',
                ((area.get_absolute_url(), area.name) for area in record.service_areas.all()),
            )
            or "None"
        )

    def value_service_areas(self, record):
        names = getattr(record, "service_area_names", None)  # set by the streamed CSV
        if names is None:
            names = [area.name for area in record.service_areas.all()]
        return "; ".join(names)

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

    def render_start_date(self, record):
        return record.start_display

    def value_start_date(self, record):
        return record.start_display


class AuthorityTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name", "code"))
    code = tables.Column(order_by=("code",))
    tier = tables.Column(
        verbose_name="Tier", accessor="tier__name", order_by=("tier__position", "name", "code")
    )
    region = tables.Column(
        verbose_name="Region",
        accessor="region__name",
        order_by=("region__name", "name", "code"),
        default="None",
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

    class Meta:
        model = Authority
        fields = ()
        sequence = ("name", "code", "tier", "region", "arrangement_count", "population")
        order_by = ("name",)
        per_page = 50
        per_page_field = "per_page_checked_by_view"
        empty_text = "No authorities match these filters."
        attrs = WIDE_TABLE_ATTRS

    caption = "Authorities"

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
