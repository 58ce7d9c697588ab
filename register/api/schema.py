"""What the OpenAPI schema says of the FilterSets' filters that drf-spectacular cannot
work out by itself: those given by slug or code (a service area's slug, an authority's
code) and the financial year ('2012/13') are strings. Said once here, for the schema
only, so register/filters.py stays as the pages use it."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..filters import ArrangementFilterSet, AuthorityFilterSet, FinancialYearFilter

GIVEN_AS_TEXT = (
    django_filters.ModelChoiceFilter,
    django_filters.ModelMultipleChoiceFilter,
    FinancialYearFilter,
)


def describe_filters() -> None:
    for filterset in (ArrangementFilterSet, AuthorityFilterSet):
        for name, field in filterset.base_filters.items():
            if isinstance(field, GIVEN_AS_TEXT) or (
                name in {"tier", "region"} and isinstance(field, django_filters.Filter)
            ):
                extend_schema_field(OpenApiTypes.STR)(field)


describe_filters()
