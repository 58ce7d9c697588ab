"""Views: thin. Each parses the request, calls the query functions, renders."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export.export import TableExport
from django_tables2.export.views import ExportMixin

from . import summaries
from .caching import cached, request_version
from .dates import financial_year_label, format_partial_date
from .exports import csv_writer, escape_dataset
from .filters import ArrangementFilterSet, AuthorityFilterSet
from .models import (
    Arrangement,
    Authority,
    Membership,
    Milestone,
    Saving,
    SavingsTarget,
    ServiceArea,
    can_see_exempt,
)
from .tables import ArrangementTable, AuthorityTable

PAGE_SIZES = (25, 50, 100)
ROLE_ORDER = ["lead", "host", "partner", "joining", "withdrawn"]


def page_size(request, default: int = 25) -> int:
    try:
        size = int(request.GET.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default


def url_without(request, name: str, value: str | None = None) -> str:
    """The current URL less one filter value (or the whole parameter), back on page 1."""
    query = request.GET.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [v for v in query.getlist(name) if v != value])
    return f"{request.path}?{query.urlencode()}" if query else request.path


def selected_filters(filterset, request) -> list[dict]:
    """Each chosen filter value as a removable tag: heading, label and removal link."""
    form = filterset.form
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return []
    groups = []
    for name, field in form.fields.items():
        raw = [v for v in request.GET.getlist(name) if v.strip()]
        if not raw or name in form.errors:
            continue
        value = form.cleaned_data.get(name)
        labels = dict(getattr(field, "choices", []) or [])
        items = []
        if hasattr(value, "__iter__") and not isinstance(value, str):
            for item in value:
                key = (
                    getattr(item, field.to_field_name, None)
                    if hasattr(field, "to_field_name")
                    else item
                )
                key = str(key if key is not None else item)
                items.append(
                    {"label": str(labels.get(item, item)), "url": url_without(request, name, key)}
                )
        else:
            label = labels.get(raw[0], value if value is not None else raw[0])
            if name == "financial_year" and isinstance(value, int):
                label = financial_year_label(value)
            items.append({"label": str(label), "url": url_without(request, name)})
        groups.append({"heading": field.label, "items": items})
    return groups


def arrangement_rows(arrangements):
    """What an ArrangementTable shows of each row, as annotations and one prefetch."""
    first_area = ServiceArea.objects.filter(arrangements=OuterRef("pk")).order_by("name")
    return (
        arrangements.with_totals()
        .annotate(first_service_area=Subquery(first_area.values("name")[:1]))
        .prefetch_related(
            Prefetch("service_areas", queryset=ServiceArea.objects.order_by("name", "pk"))
        )
    )


def export_links(request) -> list[tuple[str, str]]:
    """The current filter as CSV, Excel and JSON download links."""
    query = request.GET.copy()
    query.pop("page", None)
    return [
        (label, f"?{_with(query, _export=fmt)}")
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"), ("json", "JSON"))
    ]


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
        if export_format in self.export_formats:
            return self.create_export(export_format)
        # Past ExportMixin's own, which would export in any format it knows.
        return super(ExportMixin, self).render_to_response(context, **kwargs)


class ArrangementListView(ListExportMixin, SingleTableMixin, FilterView):
    model = Arrangement
    table_class = ArrangementTable
    filterset_class = ArrangementFilterSet
    template_name = "register/arrangement_list.html"
    export_formats = ("csv", "xlsx", "json")
    export_name = "arrangements"

    def get_queryset(self):
        return arrangement_rows(Arrangement.objects.visible_to(self.request.user))

    def searching(self) -> bool:
        return bool(self.request.GET.get("q", "").strip()) and not self.request.GET.get("sort")

    def get_table_data(self):
        data = super().get_table_data()
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
        return {"per_page": page_size(self.request)}

    def totals(self) -> summaries.ListTotals:
        if not hasattr(self, "_totals"):
            self._totals = cached_totals(self.request, self.object_list, filter_key(self.request))
        return self._totals

    def get_table(self, **kwargs):
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        # The paginator needs the row count, which the totals already hold.
        table.data._length = self.totals().arrangements
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(
            table
        )

    def create_export(self, export_format):
        if export_format != "csv":
            return super().create_export(export_format)
        # CSV is streamed row by row, so every row of a national list costs little memory.
        table = self.get_table(**self.get_table_kwargs())
        response = StreamingHttpResponse(
            stream_csv(table, self.object_list), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}.csv"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        context["totals"] = self.totals()
        context["selected_filters"] = selected_filters(filterset, self.request)
        context["per_page"] = page_size(self.request)
        context["page_sizes"] = PAGE_SIZES
        context["service_area_tree"] = cached(
            self.request, "service-area-tree", (), service_area_tree
        )
        context["options"] = filter_options(self.request)
        context["export_links"] = export_links(self.request)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["page_size_links"] = [
            (size, f"?{_with(query, per_page=str(size))}") for size in PAGE_SIZES
        ]
        return context


class _Echo:
    def write(self, value):
        return value


class ExportRecord:
    """One arrangement as the CSV export reads it: plain values from one query row, with
    the methods the table's ``value_`` methods call. Much cheaper than a model instance."""

    __slots__ = (
        "pk",
        "title",
        "status",
        "kind",
        "lead_name",
        "partner_count",
        "savings_total",
        "start_date",
        "start_precision",
        "service_area_names",
    )
    FIELDS = __slots__[:-1]
    STATUS = dict(Arrangement.Status.choices)
    KIND = dict(Arrangement.Kind.choices)

    def __init__(self, values, service_area_names):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)
        self.service_area_names = service_area_names

    def get_status_display(self):
        return self.STATUS.get(self.status, self.status)

    def get_kind_display(self):
        return self.KIND.get(self.kind, self.kind)

    @property
    def start_display(self):
        return format_partial_date(self.start_date, self.start_precision)


def stream_csv(table, queryset, chunk_size: int = 2000):
    """The table's export columns (headings and plain-text values) for every row of the
    queryset, in the table's order. Three queries whatever the size: service-area names,
    which areas each arrangement has, and the rows themselves, read through a cursor in
    chunks so that memory stays flat. Every cell is written through escape_cell, so no
    text is ever read as a formula by the spreadsheet that opens the file."""
    columns = [c for c in table.columns if c.column.exclude_from_export is False]
    writer = csv_writer(_Echo())
    yield writer.writerow([str(c.header) for c in columns])
    ordered = table.data.data if hasattr(table.data, "data") else queryset
    names = dict(ServiceArea.objects.values_list("pk", "name"))
    areas: dict[int, list[str]] = {}
    tags = Arrangement.service_areas.through.objects.filter(
        arrangement__in=ordered.order_by().values("pk")
    )
    # In the database's order of names, as the table shows them (collations differ).
    for arrangement_id, area_id in tags.order_by("servicearea__name", "servicearea_id").values_list(
        "arrangement_id", "servicearea_id"
    ):
        areas.setdefault(arrangement_id, []).append(names[area_id])
    rows = ordered.prefetch_related(None).values_list(*ExportRecord.FIELDS)
    for values in rows.iterator(chunk_size=chunk_size):
        record = ExportRecord(values, areas.get(values[0], ()))
        yield writer.writerow([table.value_for(c.name, record) for c in columns])


def select_options(request, name: str, choices) -> list[tuple]:
    """(value, label, selected) for a select, from plain (value, label) pairs: much cheaper
    to render than a form field's widgets when there are hundreds of options."""
    chosen = set(request.GET.getlist(name))
    return [(value, label, str(value) in chosen) for value, label in choices]


LIST_FILTERS = tuple(sorted(ArrangementFilterSet.base_filters))


def filter_key(request, names=LIST_FILTERS) -> tuple:
    """The parameters among ``names`` that a request gives, for cache keys: each value
    exactly as given and in the order given (a filter that takes one value uses the
    last), leaving out blank values as the filters do. Other parameters (the page, the
    sort order, anything unknown) do not change the figures, so they are left out too,
    and cannot make new cache entries."""
    out = []
    for name in sorted(names):
        values = tuple(v for v in request.GET.getlist(name) if v.strip())
        if values:
            out.append((name, values))
    return tuple(out)


def cached_totals(request, arrangements, key: tuple = ()) -> summaries.ListTotals:
    """Totals over every row of a list filtered by ``key`` (see filter_key), cached until
    the data changes. The home page's totals are the unfiltered list's."""
    return cached(
        request,
        "list-totals",
        key,
        lambda: summaries.list_totals(arrangements, unfiltered=not key),
    )


def option_lists() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the long option lists of the filter panels: four queries."""
    from .models import Partnership, Region, Tier

    return {
        "authority": list(Authority.objects.order_by("name", "code").values_list("code", "name")),
        "tier": list(Tier.objects.values_list("slug", "name")),
        "region": list(Region.objects.values_list("slug", "name")),
        "partnership": list(Partnership.objects.values_list("slug", "name")),
    }


def filter_options(request) -> dict:
    """The option lists with the request's choices marked; cached until the data changes."""
    lists = cached(request, "filter-options", (), option_lists)
    return {name: select_options(request, name, choices) for name, choices in lists.items()}


def _with(query: QueryDict, **values) -> str:
    query = query.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


def service_area_tree() -> list[dict]:
    """Categories with their services, in order: one query."""
    areas = list(ServiceArea.objects.order_by("position", "name", "pk"))
    categories = [{"area": a, "children": []} for a in areas if a.parent_id is None]
    by_pk = {c["area"].pk: c for c in categories}
    for area in areas:
        if area.parent_id in by_pk:
            by_pk[area.parent_id]["children"].append(area)
    return categories


class ArrangementDetailView(DetailView):
    template_name = "register/arrangement_detail.html"
    context_object_name = "arrangement"

    def get_queryset(self):
        return (
            Arrangement.objects.visible_to(self.request.user)
            .select_related("partnership", "parent")
            .prefetch_related(
                Prefetch("service_areas", queryset=ServiceArea.objects.select_related("parent")),
                Prefetch("sources"),
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("authority__tier").order_by(
                        "authority__name", "pk"
                    ),
                ),
                Prefetch(
                    "savings",
                    queryset=Saving.objects.select_related("authority", "source").order_by(
                        F("financial_year").asc(nulls_last=True), "pk"
                    ),
                ),
                Prefetch(
                    "milestones",
                    queryset=Milestone.objects.select_related("source").order_by(
                        F("date").asc(nulls_last=True), "pk"
                    ),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        arrangement = self.object
        user = self.request.user
        memberships = sorted(
            arrangement.memberships.all(),
            key=lambda m: (ROLE_ORDER.index(m.role), m.authority.name),
        )
        context["memberships"] = memberships
        context.update(cached(self.request, "arrangement-extras", (arrangement.pk,), self.extras))
        parent = arrangement.parent
        context["parent"] = (
            parent if parent and (can_see_exempt(user) or not parent.exempt) else None
        )
        if user.is_authenticated:
            context["change_history"] = change_history(arrangement)
        return context

    def get_object(self, queryset=None):
        # The data version first, then the record: figures cached from this record then
        # belong to a version no older than it.
        request_version(self.request)
        return super().get_object(queryset)

    def extras(self) -> dict:
        """Its savings by year, its workstreams and arrangements in the same service areas:
        cached until the data changes."""
        arrangement, user = self.object, self.request.user
        area_ids = [area.pk for area in arrangement.service_areas.all()]
        tagged = Arrangement.service_areas.through.objects.filter(servicearea_id__in=area_ids)
        return {
            "savings_totals": summaries.savings_by_year_and_basis(
                Saving.objects.filter(arrangement=arrangement)
            ),
            "workstreams": list(
                Arrangement.objects.visible_to(user)
                .filter(parent=arrangement)
                .with_totals()
                .order_by("title", "pk")
            ),
            "related": list(
                Arrangement.objects.visible_to(user)
                .filter(Exists(tagged.filter(arrangement=OuterRef("pk"))))
                .exclude(pk=arrangement.pk)
                .order_by("title", "pk")[:10]
            ),
        }


def change_history(arrangement, limit: int = 20) -> list[dict]:
    """The latest changes to an arrangement: when, who, what kind, which fields. One query."""
    records = list(
        arrangement.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    labels = {f.name: f.verbose_name for f in Arrangement._meta.fields}
    entries = []
    for record, previous in zip(records[:limit], [*records[1:], None], strict=False):
        fields = []
        if previous is not None and record.history_type == "~":
            fields = [
                str(labels.get(change.field, change.field))
                for change in record.diff_against(previous).changes
                if change.field not in ("version", "updated_at")
            ]
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user.get_username() if record.history_user else "",
                "what": {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                "fields": fields,
                "reason": record.history_change_reason or "",
            }
        )
    return entries


class AuthorityListView(ListExportMixin, SingleTableMixin, FilterView):
    model = Authority
    table_class = AuthorityTable
    filterset_class = AuthorityFilterSet
    template_name = "register/authority_list.html"
    export_formats = ("csv", "xlsx", "json")
    export_name = "authorities"

    def get_queryset(self):
        visible = Arrangement.objects.visible_to(self.request.user).values("pk")
        count = (
            Membership.objects.taking_part()
            .filter(authority=OuterRef("pk"), arrangement__in=visible)
            .order_by()
            .values("authority")
            .annotate(n=Count("arrangement", distinct=True))
            .values("n")
        )
        return Authority.objects.select_related("tier", "region").annotate(
            arrangement_count=Subquery(count)
        )

    def get_table_pagination(self, table):
        return {"per_page": page_size(self.request, default=50)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["selected_filters"] = selected_filters(context["filter"], self.request)
        context["options"] = filter_options(self.request)
        context["export_links"] = export_links(self.request)
        return context


class AuthorityDetailView(DetailView):
    template_name = "register/authority_detail.html"
    context_object_name = "authority"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        return Authority.objects.select_related("tier", "region", "county").prefetch_related(
            "partnerships", "successors"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        authority = self.object
        visible = Arrangement.objects.visible_to(self.request.user)
        memberships = list(
            Membership.objects.filter(authority=authority, arrangement__in=visible.values("pk"))
            .select_related("arrangement")
            .order_by("arrangement__title", "pk")
        )
        context["roles"] = [
            (label, [m for m in memberships if m.role == role])
            for role, label in Membership.Role.choices
            if any(m.role == role for m in memberships)
        ]
        context["membership_count"] = len(memberships)
        savings = list(
            Saving.objects.visible_to(self.request.user)
            .filter(authority=authority)
            .select_related("arrangement", "source")
            .order_by(F("financial_year").asc(nulls_last=True), "pk")
        )
        context["savings"] = savings
        context["targets_by_year"] = targets_beside_savings(authority, self.request.user)
        return context


def targets_beside_savings(authority, user) -> list[dict]:
    """Per financial year: the authority's savings target and the savings recorded for it."""
    targets = {t.financial_year: t for t in SavingsTarget.objects.filter(authority=authority)}
    recorded = {
        row["financial_year"]: row["total"]
        for row in Saving.objects.visible_to(user)
        .counted()
        .filter(authority=authority, financial_year__isnull=False)
        .order_by()
        .values("financial_year")
        .annotate(total=Sum("amount"))
    }
    return [
        {
            "year": year,
            "label": financial_year_label(year),
            "target": targets[year].amount if year in targets else None,
            "recorded": recorded.get(year),
        }
        for year in sorted(set(targets) | set(recorded))
    ]


class ServiceAreaListView(TemplateView):
    template_name = "register/service_area_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = summaries.arrangement_counts_by_service_area(
            Arrangement.objects.visible_to(self.request.user)
        )
        tree = service_area_tree()
        for category in tree:
            category["count"] = counts.get(category["area"].pk, 0)
            category["services"] = [
                {"area": area, "count": counts.get(area.pk, 0)} for area in category["children"]
            ]
        context["tree"] = tree
        return context


class ServiceAreaDetailView(SingleTableMixin, DetailView):
    template_name = "register/service_area_detail.html"
    context_object_name = "area"
    table_class = ArrangementTable
    queryset = ServiceArea.objects.select_related("parent")

    def get_table_data(self):
        area = self.object
        in_area = ServiceArea.objects.filter(
            Q(pk=area.pk) | Q(parent_id=area.pk), arrangements=OuterRef("pk")
        )
        return arrangement_rows(
            Arrangement.objects.visible_to(self.request.user).filter(Exists(in_area))
        )

    def get_table_pagination(self, table):
        return {"per_page": page_size(self.request)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["services"] = list(self.object.children.all()) if self.object.is_category else []
        context["list_url"] = (
            f"{reverse('register:arrangement-list')}?service_area={self.object.slug}"
        )
        return context


class HomeView(TemplateView):
    template_name = "register/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = Arrangement.objects.visible_to(self.request.user)
        context["totals"] = cached_totals(self.request, visible)
        context["status_counts"] = cached(
            self.request,
            "home-statuses",
            (),
            lambda: list(
                visible.order_by().values("status").annotate(n=Count("pk")).order_by("-n", "status")
            ),
        )
        labels = dict(Arrangement.Status.choices)
        for row in context["status_counts"]:
            row["label"] = labels[row["status"]]
        return context


class AccessibilityView(TemplateView):
    template_name = "register/accessibility.html"
    extra_context = {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}


def page_not_found(request, exception=None):
    """A styled 404 in the service's own look."""
    return render(request, "404.html", status=404)


def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers."""
    from django.db import DatabaseError
    from django.http import JsonResponse

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "not answering"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
