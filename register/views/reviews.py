"""Arrangements due for review, and a council confirming its arrangements' records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from .. import selectors
from ..models import Authority


class DueForReviewView(TemplateView):
    """``/arrangements/due-for-review/?within=<days>``: a ``within`` that is not a whole
    number of days is a 400 saying so, listing nothing."""

    template_name = "register/due_for_review.html"

    def get(self, request, *args, **kwargs):
        found = selectors.due_for_review(request.user, request.GET, timezone.localdate())
        context = self.get_context_data(**kwargs, **found)
        return self.render_to_response(context, status=400 if found["refused"] else 200)


class ConfirmRecordsView(View):
    """``/authorities/<code>/confirm/``: GET shows what would be confirmed and a button
    (it never writes); POST, with its CSRF token, confirms them all in one step. Only for
    those the permission rule allows (register.permissions.may_confirm_for). A code in
    lower case is the same authority's: GET redirects to its address in capitals, and
    POST, which a redirect would turn into a GET, acts on it."""

    template_name = "register/confirm_records.html"
    http_method_names = ["get", "head", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def authority(self, code: str) -> Authority:
        # Codes are capitals: a POST to "cld" confirms CLD's, as its page is CLD's.
        return get_object_or_404(Authority.objects.only("pk", "code", "name"), code=code.upper())

    def get(self, request, code):
        if code != code.upper():
            # A typed "cld" goes to CLD's page, as the authority's own page does.
            return redirect("register:confirm-records", code=code.upper(), permanent=True)
        authority = self.authority(code)
        page = selectors.confirmation_page(request.user, authority, timezone.now())
        if not page["may_confirm"]:
            raise PermissionDenied("You may not confirm this authority's records.")
        return TemplateResponse(request, self.template_name, {"authority": authority, **page})

    def post(self, request, code):
        authority = self.authority(code)
        confirmed = selectors.confirm_records(request.user, authority, timezone.now())
        if confirmed is None:
            raise PermissionDenied("You may not confirm this authority's records.")
        messages.success(
            request,
            f"Confirmed the records of {confirmed} arrangement"
            f"{'' if confirmed == 1 else 's'} {authority.name} takes part in.",
        )
        return redirect(authority.get_absolute_url())
