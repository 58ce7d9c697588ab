"""The API's views: read-only (any other method is answered 405), each parsing the
request, calling one selector or summary and serializing what it returns.

Lists filter with the list pages' own FilterSets (register/filters.py), so
``/api/v1/arrangements/?status=operational&service_area=legal`` holds exactly the rows of
``/arrangements/?status=operational&service_area=legal``; every read of arrangements
starts from ``visible_to(user)``, so exempt ones reach only signed-in users with a role,
as on the pages.
"""

from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, summaries
from ..figures import HEADLINE_RULE
from ..filters import ArrangementFilterSet, AuthorityFilterSet
from ..models import Arrangement, Authority, ServiceArea
from . import schema  # noqa: F401  (describes the FilterSets' filters to the schema)
from . import serializers as s
from .errors import ERROR_RESPONSES
from .pagination import RegisterCursorPagination

LIST_ERRORS = ERROR_RESPONSES
DETAIL_ERRORS = {code: body for code, body in ERROR_RESPONSES.items() if code != 400}
SUMMARY_ERRORS = {code: body for code, body in ERROR_RESPONSES.items() if code != 404}


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = RegisterCursorPagination


@extend_schema_view(
    list=extend_schema(
        summary="Arrangements",
        description="The arrangement list, filtered as /arrangements/ is, a cursor page at "
        "a time in the order they were added.",
        responses={200: s.ArrangementSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One arrangement",
        description="With its partners, savings (each saying whose it is), milestones and sources.",
        responses={200: s.ArrangementDetailSerializer, **DETAIL_ERRORS},
    ),
)
class ArrangementViewSet(ReadOnlyViewSet):
    filter_backends = [DjangoFilterBackend]
    filterset_class = ArrangementFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.api_arrangement_detail_queryset(self.request.user)
        return selectors.api_arrangement_rows(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ArrangementDetailSerializer
        return s.ArrangementSerializer


class ArrangementsOfSavingsFilter(DjangoFilterBackend):
    """Narrows savings by the arrangement list's FilterSet: the savings of the
    arrangements the same query lists."""

    def get_filterset_class(self, view, queryset=None):
        return ArrangementFilterSet  # of the arrangements, not of the savings

    def filter_queryset(self, request, queryset, view):
        filterset = selectors.visible_arrangements_filtered(request, ArrangementFilterSet)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return queryset.filter(arrangement__in=filterset.qs.order_by().values("pk"))


@extend_schema_view(
    list=extend_schema(
        summary="Savings",
        description="Every saving of the arrangements the same query lists at "
        "/api/v1/arrangements/ (the arrangement list's filters), each as its source states "
        "it, saying whose it is and whether it counts in headline totals. " + HEADLINE_RULE,
        responses={200: s.SavingSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One saving", responses={200: s.SavingSerializer, **DETAIL_ERRORS}
    ),
)
class SavingViewSet(ReadOnlyViewSet):
    serializer_class = s.SavingSerializer
    filter_backends = [ArrangementsOfSavingsFilter]
    filterset_class = ArrangementFilterSet

    def get_queryset(self):
        return selectors.api_saving_rows()


@extend_schema_view(
    list=extend_schema(
        summary="Authorities",
        description="Councils and other public bodies, filtered as /authorities/ is.",
        responses={200: s.AuthoritySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One authority",
        description="With its arrangements by role and its savings kept apart by whose "
        "they are: its own, and the whole-arrangement figures of arrangements it takes "
        "part in, which are not its own.",
        responses={200: s.AuthorityDetailSerializer, **DETAIL_ERRORS},
    ),
)
class AuthorityViewSet(ReadOnlyViewSet):
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuthorityFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.api_authority_rows(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.AuthorityDetailSerializer
        return s.AuthoritySerializer

    def retrieve(self, request, *args, **kwargs):
        try:
            authority = self.get_queryset().get(code=kwargs["code"].upper())
        except Authority.DoesNotExist:
            raise Http404("No such authority") from None
        figures = selectors.api_authority(request.user, authority)
        context = {**self.get_serializer_context(), "figures": figures}
        return Response(s.AuthorityDetailSerializer(authority, context=context).data)


@extend_schema_view(
    list=extend_schema(
        summary="Service areas",
        description="The two-level taxonomy: categories and the services within them.",
        responses={200: s.ServiceAreaSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One service area", responses={200: s.ServiceAreaSerializer, **DETAIL_ERRORS}
    ),
)
class ServiceAreaViewSet(ReadOnlyViewSet):
    serializer_class = s.ServiceAreaSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return ServiceArea.objects.select_related("parent")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return {**context, "counts": {}}
        return {**context, "counts": selectors.api_service_area_counts(self.request.user)}


NARROWING_PARAMETERS = [
    OpenApiParameter("region", OpenApiTypes.STR, many=True, description="A region's slug."),
    OpenApiParameter("partnership", OpenApiTypes.STR, description="A partnership's slug."),
    OpenApiParameter(
        "service_area", OpenApiTypes.STR, many=True, description="A service area's slug."
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        many=True,
        enum=[value for value, _ in Arrangement.Status.choices],
    ),
    OpenApiParameter("start_year_min", OpenApiTypes.INT, description="Started from (year)."),
    OpenApiParameter("start_year_max", OpenApiTypes.INT, description="Started up to (year)."),
]


class SummaryView(APIView):
    """A scrutiny summary of the arrangements the reader may see, narrowed by the list's
    own filters as its page is (register.selectors.summary_narrowing). A filter the
    FilterSet refuses is a 400 naming it, where the page shows no figures."""

    serializer_class: type = s.SummarySerializer

    def get(self, request):
        narrowed = selectors.summary_narrowing(request)
        if not narrowed.valid:
            raise ValidationError(narrowed.filterset.errors)
        figures = self.figures(narrowed)
        figures["narrowing"] = [{"parameter": k, "value": v} for k, v in narrowed.narrowing]
        figures["rule"] = HEADLINE_RULE
        return Response(self.serializer_class(figures).data)

    def figures(self, narrowed) -> dict:
        raise NotImplementedError


def summary_schema(serializer, summary, description):
    return extend_schema(
        summary=summary,
        description=description,
        parameters=NARROWING_PARAMETERS,
        responses={200: serializer, **SUMMARY_ERRORS},
    )


@summary_schema(
    s.IndexSummarySerializer,
    "Totals",
    "How many arrangements, who takes part, and their savings: the headline of those "
    "going ahead, by basis, and apart from it the savings of ideas not going ahead.",
)
class IndexSummaryView(SummaryView):
    serializer_class = s.IndexSummarySerializer

    def figures(self, narrowed):
        found = summaries.index_figures(
            narrowed.arrangements, narrowed.narrowing, unfiltered_for=narrowed.unfiltered_for
        )
        totals = found["totals"]
        return {
            "arrangements": totals.arrangements,
            "authorities_taking_part": totals.authorities,
            "headline": totals.headline,
            "headline_by_basis": totals.by_basis,
            "apart": totals.apart,
            "with_savings_figure": found["covered"],
            "by_status": summaries.status_counts(narrowed.arrangements, totals.by_status),
        }


@summary_schema(
    s.TierSummarySerializer,
    "By tier",
    "Sharing by tier level and tier of the partners (/summary/tiers/).",
)
class TierSummaryView(SummaryView):
    serializer_class = s.TierSummarySerializer

    def figures(self, narrowed):
        return summaries.tier_figures(narrowed.arrangements, narrowed.narrowing)


@summary_schema(
    s.ServiceAreaSummarySerializer,
    "By service area",
    "Sharing by service-area category and service (/summary/service-areas/).",
)
class ServiceAreaSummaryView(SummaryView):
    serializer_class = s.ServiceAreaSummarySerializer

    def figures(self, narrowed):
        found = summaries.service_area_figures(narrowed.arrangements, narrowed.narrowing)
        for row in found["rows"]:
            row.kind_counts = [
                {"kind": kind, "count": n}
                for kind, n in sorted(row.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        return found


@summary_schema(
    s.RegionSummarySerializer,
    "By region",
    "Sharing by region of the partners (/summary/regions/).",
)
class RegionSummaryView(SummaryView):
    serializer_class = s.RegionSummarySerializer

    def figures(self, narrowed):
        return summaries.region_figures(narrowed.arrangements, narrowed.narrowing)


@summary_schema(
    s.SavingsSummarySerializer,
    "Savings by year",
    "Savings of arrangements going ahead by financial year, basis and cashable; apart "
    "from them those of ideas not going ahead; and councils' targets beside their own "
    "savings (/summary/savings/).",
)
class SavingsSummaryView(SummaryView):
    serializer_class = s.SavingsSummarySerializer

    def figures(self, narrowed):
        return summaries.savings_figures(narrowed.arrangements, narrowed.narrowing)
