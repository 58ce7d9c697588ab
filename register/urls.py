from django.urls import path

from . import views

app_name = "register"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("arrangements/", views.ArrangementListView.as_view(), name="arrangement-list"),
    path(
        "arrangements/<slug:slug>/",
        views.ArrangementDetailView.as_view(),
        name="arrangement-detail",
    ),
    path("authorities/", views.AuthorityListView.as_view(), name="authority-list"),
    path("authorities/<str:code>/", views.AuthorityDetailView.as_view(), name="authority-detail"),
    path("service-areas/", views.ServiceAreaListView.as_view(), name="service-area-list"),
    path(
        "service-areas/<slug:slug>/",
        views.ServiceAreaDetailView.as_view(),
        name="service-area-detail",
    ),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
]
