"""The home page, the accessibility statement, error pages and the health check."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.generic import DetailView, TemplateView

from .. import selectors
from ..models import Source


class HomeView(TemplateView):
    template_name = "register/home.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **selectors.home(self.request)}


class SourceDetailView(DetailView):
    template_name = "register/source_detail.html"
    context_object_name = "source"
    queryset = Source.objects.all()

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **selectors.source_page(self.request.user, self.object),
        }


class AccessibilityView(TemplateView):
    template_name = "register/accessibility.html"
    extra_context = {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}


def page_not_found(request, exception=None):
    """A styled 404 in the service's own look; JSON for an address under /api/."""
    from ..api.errors import is_api_request, not_found

    if is_api_request(request):
        return not_found()
    return render(request, "404.html", status=404)


def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "not answering"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
