"""The API's addresses, mounted at /api/: version 1 under /api/v1/, the OpenAPI 3
schema at /api/schema/ and its documentation page (Swagger UI, served from this site) at
/api/docs/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("arrangements", views.ArrangementViewSet, basename="arrangement")
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("service-areas", views.ServiceAreaViewSet, basename="service-area")
router.register("savings", views.SavingViewSet, basename="saving")

summary_urls = [
    path("", views.IndexSummaryView.as_view(), name="summary-index"),
    path("tiers/", views.TierSummaryView.as_view(), name="summary-tiers"),
    path("service-areas/", views.ServiceAreaSummaryView.as_view(), name="summary-service-areas"),
    path("regions/", views.RegionSummaryView.as_view(), name="summary-regions"),
    path("savings/", views.SavingsSummaryView.as_view(), name="summary-savings"),
]

app_name = "api"

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/summaries/", include(summary_urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # A page to read: GET and HEAD only (OPTIONS had no template to answer with).
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/docs.html",
            http_method_names=["get", "head"],
        ),
        name="docs",
    ),
]
