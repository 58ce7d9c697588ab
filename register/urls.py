from django.urls import path
from django.views.decorators.http import require_safe

from . import feeds
from .views import (
    arrangements,
    authorities,
    compare,
    data,
    following,
    pages,
    reviews,
    service_areas,
)
from .views import summaries as summary_views

app_name = "register"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("arrangements/", arrangements.ArrangementListView.as_view(), name="arrangement-list"),
    path("arrangements/feed/", require_safe(feeds.ArrangementListFeed()), name="arrangement-feed"),
    path(
        "arrangements/due-for-review/",
        require_safe(reviews.DueForReviewView.as_view()),
        name="due-for-review",
    ),
    path(
        "arrangements/<slug:slug>/",
        arrangements.ArrangementDetailView.as_view(),
        name="arrangement-detail",
    ),
    path(
        "arrangements/<slug:slug>/feed/",
        require_safe(feeds.ArrangementFeed()),
        name="arrangement-feed-detail",
    ),
    path(
        "arrangements/<slug:slug>/watch/",
        following.WatchView.as_view(),
        name="arrangement-watch",
    ),
    path("authorities/", authorities.AuthorityListView.as_view(), name="authority-list"),
    path(
        "authorities/<str:code>/",
        authorities.AuthorityDetailView.as_view(),
        name="authority-detail",
    ),
    path(
        "authorities/<str:code>/feed/", require_safe(feeds.AuthorityFeed()), name="authority-feed"
    ),
    path(
        "authorities/<str:code>/confirm/",
        reviews.ConfirmRecordsView.as_view(),
        name="confirm-records",
    ),
    path("authorities/<str:code>/watch/", following.WatchView.as_view(), name="authority-watch"),
    path(
        "authorities/<str:code>/partners/",
        authorities.PartnerFinderView.as_view(),
        name="partner-finder",
    ),
    path("following/", following.FollowingView.as_view(), name="following"),
    path("following/searches/new/", following.SaveSearchView.as_view(), name="saved-search-new"),
    path(
        "following/searches/<int:pk>/",
        following.RenameSearchView.as_view(),
        name="saved-search-rename",
    ),
    path(
        "following/searches/<int:pk>/delete/",
        following.DeleteSearchView.as_view(),
        name="saved-search-delete",
    ),
    path(
        "following/watches/<int:pk>/stop/",
        following.StopWatchingView.as_view(),
        name="watch-stop",
    ),
    path("compare/", compare.CompareView.as_view(), name="compare"),
    path("service-areas/", service_areas.ServiceAreaListView.as_view(), name="service-area-list"),
    path(
        "service-areas/<slug:slug>/",
        service_areas.ServiceAreaDetailView.as_view(),
        name="service-area-detail",
    ),
    path(
        "service-areas/<slug:slug>/partners/",
        authorities.ServiceAreaPartnersView.as_view(),
        name="service-area-partners",
    ),
    path("summary/", summary_views.SummaryIndexView.as_view(), name="summary-index"),
    path("summary/tiers/", summary_views.TierSummaryView.as_view(), name="summary-tiers"),
    path(
        "summary/service-areas/",
        summary_views.ServiceAreaSummaryView.as_view(),
        name="summary-service-areas",
    ),
    path("summary/regions/", summary_views.RegionSummaryView.as_view(), name="summary-regions"),
    path("summary/savings/", summary_views.SavingsSummaryView.as_view(), name="summary-savings"),
    path("summary/pipeline/", summary_views.PipelineSummaryView.as_view(), name="summary-pipeline"),
    path("summary/national/", summary_views.NationalSummaryView.as_view(), name="summary-national"),
    path("summary/briefing/", summary_views.BriefingView.as_view(), name="summary-briefing"),
    path("sources/<slug:slug>/", pages.SourceDetailView.as_view(), name="source-detail"),
    path("data/", data.DataView.as_view(), name="data"),
    path("data/<str:version>/<str:name>", data.release_file, name="data-file"),
    path("accessibility/", pages.AccessibilityView.as_view(), name="accessibility"),
]
