"""What the OpenAPI schema says that drf-spectacular cannot work out by itself, said
once here, for the schema only, so register/filters.py stays as the pages use it:

- the FilterSets' filters given by slug or code (a service area's slug, an authority's
  code) and the financial year ('2012/13') are strings;
- a field that is blank or a well-formed value (an e-mail address, a website) is one of
  the two, never both (``blank_or_filled``)."""

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


BLANK = {"type": "string", "maxLength": 0}


def blank_or_filled(result, generator, request, public):
    """drf-spectacular gives a field that may be blank or an e-mail address (or a URL) as
    ``oneOf: [{format: email, maxLength: 254}, {maxLength: 0}]``. A format need not be
    checked by a validator, and then the blank string matches both branches, which
    ``oneOf`` refuses: a blank e-mail address failed the schema it was given by. The
    filled branch is at least one character long, so exactly one branch matches any
    string. (Run as a drf-spectacular postprocessing hook.)"""

    def visit(node):
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and BLANK in branches:
                for branch in branches:
                    if branch != BLANK and branch.get("type") == "string":
                        branch["minLength"] = max(branch.get("minLength", 0), 1)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    return result
