"""Views: thin. Each parses the request, calls one query function, renders."""

from django.shortcuts import render
from django.views.generic import TemplateView

from .models import Arrangement, Authority, Saving


class HomeView(TemplateView):
    template_name = "register/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        arrangements = Arrangement.objects.visible_to(self.request.user)
        context["arrangement_count"] = arrangements.count()
        context["authority_count"] = (
            Authority.objects.filter(memberships__arrangement__in=arrangements).distinct().count()
        )
        context["saving_count"] = Saving.objects.visible_to(self.request.user).count()
        return context


class AccessibilityView(TemplateView):
    template_name = "register/accessibility.html"


def page_not_found(request, exception=None):
    """A styled 404 in the service's own look."""
    return render(request, "404.html", status=404)
