"""FilterSets: one per model, shared by its list page, its exports and the summaries' links.

Values in URLs are readable (`?status=operational&service_area=legal&authority=CLD`)
so a filtered view can be bookmarked and shared. Filters on who takes part use
``Exists`` subqueries, so combining them never duplicates rows.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from .dates import financial_year_label, parse_financial_year
from .figures import LEVEL_BITS, mask
from .models import (
    MONEY_TOTAL,
    Arrangement,
    Authority,
    Kind,
    Membership,
    Partnership,
    Region,
    Saving,
    ServiceArea,
    Status,
    Tier,
)
from .permissions import can_see_exempt
from .search import search_arrangements

YES_NO = [("yes", "Yes"), ("no", "No")]
MAX_TEXT = 200


YEAR_NOT_STATED = "not-stated"


class FinancialYearField(forms.CharField):
    """Accepts '2012/13', '2012-13' or '2012' (cleans to the starting year), or
    'not-stated' for savings whose source gives no year."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value.strip().lower() == YEAR_NOT_STATED:
            return YEAR_NOT_STATED
        year = parse_financial_year(value)
        if year is None:
            raise forms.ValidationError(
                "Enter a financial year like 2012/13.", code="invalid_financial_year"
            )
        return year


class FinancialYearFilter(django_filters.Filter):
    field_class = FinancialYearField


def _visible_programmes(request):
    """Programmes the reader may name: those with a workstream the reader may see. A
    programme whose only workstreams are exempt is, to the public, a programme with none
    (refused alike), so that the answer never tells that hidden workstreams exist."""
    user = getattr(request, "user", None)
    visible = Arrangement.objects.visible_to(user)
    return visible.filter(Exists(visible.filter(parent=OuterRef("pk")))).order_by("title", "pk")


def _taking_part(**lookups):
    """Arrangements in which an authority matching ``lookups`` takes part."""
    return Exists(Membership.objects.taking_part().filter(arrangement=OuterRef("pk"), **lookups))


def repeated(query, name: str) -> str | None:
    """Why a parameter that takes one value is refused, when the query gives it more
    than once (blank values aside); None when it is given once or not at all.

    The one rule for every single-value parameter, of the pages and of the API: which
    of ``?partnership=a&partnership=b`` was meant cannot be known, and picking one in
    silence (the last, where a page's title named the first) answers a question that
    was not asked."""
    values = [value for value in query.getlist(name) if value.strip()]
    if len(values) < 2:
        return None
    shown = ", ".join(f"‘{value[:40]}’" for value in values[:5])
    return f"Give one value only: it was given {len(values)} times ({shown})."


class OneValueEach(forms.Form):
    """A filter form that refuses a single-value filter given more than once
    (``repeated``); filters that take several values (checkboxes) take them."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if getattr(field.widget, "allow_multiple_selected", False):
                continue
            message = repeated(self.data, name)
            if message:
                # Said instead of what was found wrong with the one value read.
                self.errors.pop(name, None)
                self.add_error(name, message)
        return cleaned


class ArrangementFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and not cleaned.get("authority"):
            # A role is the part an authority plays: on its own it would narrow nothing.
            self.add_error("role", "Choose an authority as well: the role is the part it plays.")
        return cleaned


class RegisterFilterSet(django_filters.FilterSet):
    """One model's filters, and the owner of the query string's filter state: which
    filters are applied (as removable tags), the key that identifies them, and the
    choices each long option list shows as selected.

    Ignores empty values (`?status=&kind=`), which hand-edited URLs often carry."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for key in list(data.keys()):
                values = [value for value in data.getlist(key) if value.strip()]
                if values:
                    data.setlist(key, values)
                else:
                    del data[key]
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        # Every FilterSet's form refuses a repeated single-value filter, whatever its
        # Meta.form.
        form_class = super().get_form_class()
        return type(form_class.__name__, (OneValueEach, form_class), {})

    def key(self, *also: str) -> tuple:
        """The filters given, for cache keys: each value exactly as given and in the
        order given, blank values left out as the filters leave them out. Other
        parameters (anything unknown) do not change what is selected, so they are not
        part of it, except those named in ``also`` (the page or sort order, say)."""
        if self.data is None:
            return ()
        return tuple(
            (name, tuple(self.data.getlist(name)))
            for name in sorted({*self.filters, *also})
            if self.data.getlist(name)
        )

    def url_without(self, name: str, value: str | None = None) -> str:
        """The current address less one filter value (or the whole filter), on page 1."""
        query = self.request.GET.copy()
        query.pop("page", None)
        if value is None:
            query.pop(name, None)
        else:
            query.setlist(name, [v for v in query.getlist(name) if v != value])
        path = self.request.path
        return f"{path}?{query.urlencode()}" if query else path

    def applied(self) -> list[dict]:
        """Each filter value in force as a removable tag: heading, label and the address
        without it. Values the form refused are not shown as applied."""
        form = self.form
        if not form.is_bound:
            return []
        form.is_valid()  # cleans once; later calls reuse it
        groups = []
        for name, field in form.fields.items():
            raw = self.data.getlist(name)
            if not raw or name in form.errors:
                continue
            value = form.cleaned_data.get(name)
            labels = dict(getattr(field, "choices", []) or [])
            items = []
            if hasattr(value, "__iter__") and not isinstance(value, str):
                for item in value:
                    key = getattr(item, getattr(field, "to_field_name", "") or "pk", item)
                    label = labels.get(item, item)
                    items.append({"label": str(label), "url": self.url_without(name, str(key))})
            else:
                label = labels.get(raw[0], value if value is not None else raw[0])
                if isinstance(field, FinancialYearField) and isinstance(value, int):
                    label = financial_year_label(value)
                elif value == YEAR_NOT_STATED:
                    label = "Year not stated"
                items.append({"label": str(label), "url": self.url_without(name)})
            groups.append({"heading": field.label, "items": items})
        return groups

    def options(self, lists: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple]]:
        """(value, label, selected) for each long option list, from plain (value, label)
        pairs: much cheaper to render than a form field's widgets for hundreds of
        options (every authority)."""
        out = {}
        for name, choices in lists.items():
            chosen = set(self.data.getlist(name)) if self.data is not None else set()
            out[name] = [(value, label, str(value) in chosen) for value, label in choices]
        return out


class ArrangementFilterSet(RegisterFilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=MAX_TEXT,
        help_text="Words in the title, summary, description, or the name of a partner, "
        "service area or partnership",
    )
    service_area = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Service area",
        queryset=ServiceArea.objects.select_related("parent"),
        to_field_name="slug",
        method="filter_service_area",
    )
    kind = django_filters.MultipleChoiceFilter(distinct=False, label="Kind", choices=Kind.choices)
    status = django_filters.MultipleChoiceFilter(
        distinct=False, label="Status", choices=Status.choices
    )
    authority = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Authority",
        queryset=Authority.objects.all(),
        to_field_name="code",
        method="filter_authority",
    )
    role = django_filters.ChoiceFilter(
        label="Authority's role",
        choices=[
            ("lead", "Lead only"),
            ("host", "Host only"),
            ("partner", "Partner only"),
            ("joining", "Joining (has said it will join)"),
            ("prospective", "Prospective (named in an option)"),
            ("withdrawn", "Withdrawn"),
        ],
        empty_label="Any role, having joined",
        method="filter_nothing",
    )
    tier = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Tier of a partner",
        queryset=Tier.objects.all(),
        to_field_name="slug",
        method="filter_tier",
    )
    tier_level = django_filters.MultipleChoiceFilter(
        distinct=False,
        label="Tier level of a partner",
        choices=Tier.Level.choices,
        method="filter_tier_level",
    )
    region = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Region of a partner",
        queryset=Region.objects.all(),
        to_field_name="slug",
        method="filter_region",
    )
    partnership = django_filters.ModelChoiceFilter(
        label="Partnership", queryset=Partnership.objects.all(), to_field_name="slug"
    )
    parent = django_filters.ModelChoiceFilter(
        label="Programme",
        queryset=_visible_programmes,
        to_field_name="slug",
        help_text="Show the workstreams of one programme",
    )
    has_savings = django_filters.ChoiceFilter(
        label="Has a savings figure",
        choices=YES_NO,
        method="filter_has_savings",
        empty_label="Either",
    )
    open_to_members = django_filters.ChoiceFilter(
        label="Welcomes new members",
        choices=YES_NO,
        method="filter_open_to_members",
        empty_label="Either",
    )
    savings_min = django_filters.NumberFilter(
        label="Savings recorded from (£)",
        field_name="savings_lower",
        lookup_expr="gte",
        min_value=0,
        max_digits=MONEY_TOTAL["max_digits"],
        decimal_places=2,
    )
    savings_max = django_filters.NumberFilter(
        label="Savings recorded up to (£)",
        field_name="savings_lower",
        lookup_expr="lte",
        min_value=0,
        max_digits=MONEY_TOTAL["max_digits"],
        decimal_places=2,
    )
    financial_year = FinancialYearFilter(
        label="Financial year of a saving",
        method="filter_financial_year",
        help_text="For example, 2012/13",
        max_length=10,
    )
    saving_basis = django_filters.MultipleChoiceFilter(
        distinct=False,
        label="Basis of a saving",
        choices=Saving.Basis.choices,
        method="filter_saving_basis",
    )
    start_year_min = django_filters.NumberFilter(
        label="Started from (year)",
        field_name="start_date__year",
        lookup_expr="gte",
        min_value=1900,
        max_value=2200,
        decimal_places=0,
    )
    start_year_max = django_filters.NumberFilter(
        label="Started up to (year)",
        field_name="start_date__year",
        lookup_expr="lte",
        min_value=1900,
        max_value=2200,
        decimal_places=0,
    )

    class Meta:
        model = Arrangement
        fields = []
        form = ArrangementFilterForm

    def search(self, queryset, name, value):
        return search_arrangements(queryset, value, connection.vendor)

    def filter_service_area(self, queryset, name, areas):
        if not areas:
            return queryset
        slugs = [area.slug for area in areas]
        return queryset.filter(
            Exists(
                ServiceArea.objects.filter(
                    Q(slug__in=slugs) | Q(parent__slug__in=slugs),
                    arrangements=OuterRef("pk"),
                )
            )
        )

    def filter_authority(self, queryset, name, authorities):
        if not authorities:
            return queryset
        role = self.form.cleaned_data.get("role")
        if role in Membership.JOINED:
            return queryset.filter(_taking_part(authority__in=authorities, role=role))
        if role:
            # Joining, prospective or withdrawn: named, but not taking part.
            named = Membership.objects.filter(
                arrangement=OuterRef("pk"), authority__in=authorities, role=role
            )
            return queryset.filter(Exists(named))
        return queryset.filter(_taking_part(authority__in=authorities))

    def filter_nothing(self, queryset, name, value):
        # `role` refines the authority filter; on its own it selects nothing.
        return queryset

    # Tier, tier level and region read the masks stored on each arrangement row (the
    # tiers, levels and regions of the members that have joined: register/figures.py),
    # so they cost one pass over the rows rather than a probe into the memberships for
    # every arrangement (400 ms at national scale for two regions).
    def filter_tier(self, queryset, name, tiers):
        return self._any_bit(queryset, "tier_mask", [tier.pk for tier in tiers])

    def filter_tier_level(self, queryset, name, levels):
        return self._any_bit(queryset, "level_mask", [LEVEL_BITS[level] for level in levels])

    def filter_region(self, queryset, name, regions):
        return self._any_bit(queryset, "region_mask", [region.pk for region in regions])

    @staticmethod
    def _any_bit(queryset, field, positions):
        if not positions:
            return queryset
        return queryset.alias(**{f"{field}_chosen": F(field).bitand(mask(positions))}).filter(
            **{f"{field}_chosen__gt": 0}
        )

    def filter_has_savings(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(has_savings=value == "yes")
        return queryset

    def filter_open_to_members(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(open_to_members=value == "yes")
        return queryset

    # A year and a basis of a saving narrow together: one saving must have both, so a
    # figure that links to "achieved in 2012/13" finds exactly those arrangements.
    def filter_financial_year(self, queryset, name, year):
        return queryset  # applied with the basis, in filter_queryset

    def filter_saving_basis(self, queryset, name, bases):
        return queryset  # applied with the year, in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        year = self.form.cleaned_data.get("financial_year")
        bases = self.form.cleaned_data.get("saving_basis")
        if year is None and not bases:
            return queryset
        savings = Saving.objects.filter(arrangement=OuterRef("pk"))
        if year == YEAR_NOT_STATED:
            savings = savings.filter(financial_year__isnull=True)
        elif year is not None:
            savings = savings.filter(financial_year=year)
        if bases:
            savings = savings.filter(basis__in=bases)
        return queryset.filter(Exists(savings))

    def is_narrowed(self) -> bool:
        return bool(self.form.is_bound and any(v for v in self.form.cleaned_data.values()))


class AuthorityFilterSet(RegisterFilterSet):
    name = django_filters.CharFilter(
        label="Name or code", method="filter_name", max_length=MAX_TEXT
    )
    tier = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Tier",
        queryset=Tier.objects.all(),
        to_field_name="slug",
        field_name="tier__slug",
    )
    tier_level = django_filters.MultipleChoiceFilter(
        distinct=False, label="Tier level", field_name="tier__level", choices=Tier.Level.choices
    )
    region = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label="Region",
        queryset=Region.objects.all(),
        to_field_name="slug",
        field_name="region__slug",
    )
    partnership = django_filters.ModelChoiceFilter(
        label="Partnership",
        queryset=Partnership.objects.all(),
        to_field_name="slug",
        method="filter_partnership",
    )
    participating = django_filters.ChoiceFilter(
        label="Takes part in an arrangement",
        choices=YES_NO,
        method="filter_participating",
        empty_label="Either",
    )

    class Meta:
        model = Authority
        fields = []

    def filter_name(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(official_name__icontains=value) | Q(code__iexact=value)
        )

    def filter_partnership(self, queryset, name, partnership):
        if partnership is None:
            return queryset
        return queryset.filter(
            Exists(
                Partnership.members.through.objects.filter(
                    partnership=partnership, authority=OuterRef("pk")
                )
            )
        )

    def filter_participating(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        arrangements = Arrangement.objects.all()
        if not can_see_exempt(user):
            arrangements = arrangements.filter(exempt=False)
        takes_part = Exists(
            Membership.objects.taking_part().filter(
                authority=OuterRef("pk"), arrangement__in=arrangements
            )
        )
        if value == "yes":
            return queryset.filter(takes_part)
        if value == "no":
            return queryset.exclude(takes_part)
        return queryset
