from django.contrib import admin
from django.urls import include, path

from register.views import pages

admin.site.site_header = "Shared Services Register administration"
admin.site.site_title = "Shared Services Register"
admin.site.index_title = "Register data"

urlpatterns = [
    path("healthz", pages.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("register.api.urls")),
    path("", include("register.urls")),
]

handler404 = "register.views.pages.page_not_found"
