"""A signed-in user's saved searches and watches: saving, renaming and deleting searches,
watching authorities and arrangements, and the page listing them.

Every view acts for the user signed in and only on their own records: another user's
saved search is a 404, and no form field names a user. GET never writes; every write is
a POST with its CSRF token.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from .. import following, selectors
from ..models import Arrangement, Authority, SavedSearch


class SignedInView(View):
    http_method_names = ["get", "head", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def own_search(self, pk) -> SavedSearch:
        return get_object_or_404(SavedSearch, pk=pk, user=self.request.user)


class FollowingView(SignedInView):
    """``/following/``: the user's saved searches and watches."""

    http_method_names = ["get", "head"]

    def get(self, request):
        return TemplateResponse(
            request, "register/following.html", following.following_page(request.user)
        )


class SaveSearchView(SignedInView):
    """``/following/searches/new/?<the list's filters>``: GET shows the form naming the
    filters; POST saves them under the name given, or shows the form again saying why
    not (nothing saved)."""

    def render(self, request, name: str, query: str, errors: dict, status: int = 200):
        filterset = following.search_filterset(request.user, query)
        return TemplateResponse(
            request,
            "register/saved_search_form.html",
            {
                "name": name,
                "query": query,
                "errors": errors,
                "applied": filterset.applied() if filterset.is_valid() else [],
                "list_url": reverse("register:arrangement-list") + (f"?{query}" if query else ""),
            },
            status=status,
        )

    def get(self, request):
        query, refused = following.clean_query(request.user, request.GET.urlencode())
        errors = {"query": refused} if refused else {}
        return self.render(request, "", query, errors, status=400 if refused else 200)

    def post(self, request):
        name, query = request.POST.get("name", ""), request.POST.get("query", "")
        search, errors = following.save_search(request.user, name, query)
        if errors:
            shown_query = query if "query" not in errors else ""
            return self.render(request, name, shown_query, errors, status=400)
        messages.success(request, f"Saved the search “{search.name}”.")
        return redirect("register:following")


class RenameSearchView(SignedInView):
    """``/following/searches/<id>/``: rename one of the user's own saved searches."""

    def get(self, request, pk):
        search = self.own_search(pk)
        return TemplateResponse(
            request, "register/saved_search_rename.html", {"search": search, "name": search.name}
        )

    def post(self, request, pk):
        search = self.own_search(pk)
        name = request.POST.get("name", "")
        errors = following.rename_search(search, name)
        if errors:
            search.refresh_from_db()
            return TemplateResponse(
                request,
                "register/saved_search_rename.html",
                {"search": search, "name": name, "errors": errors},
                status=400,
            )
        messages.success(request, f"Renamed the search “{search.name}”.")
        return redirect("register:following")


class DeleteSearchView(SignedInView):
    """``/following/searches/<id>/delete/``: GET asks; POST deletes."""

    def get(self, request, pk):
        return TemplateResponse(
            request, "register/saved_search_delete.html", {"search": self.own_search(pk)}
        )

    def post(self, request, pk):
        search = self.own_search(pk)
        search.delete()
        messages.success(request, f"Deleted the search “{search.name}”.")
        return redirect("register:following")


class WatchView(SignedInView):
    """POST ``watching=yes`` (or ``no``) to start (or stop) watching an authority or an
    arrangement the user may see; back to its page."""

    http_method_names = ["post"]

    def target(self, kwargs) -> dict:
        if "code" in kwargs:
            return {
                "authority": get_object_or_404(
                    # Codes are capitals: "cld" is CLD, as on the authority's page.
                    Authority.objects.only("pk", "code", "name"),
                    code=kwargs["code"].upper(),
                )
            }
        try:
            return {
                "arrangement": selectors.arrangement_for_feed(self.request.user, kwargs["slug"])
            }
        except Arrangement.DoesNotExist:
            raise Http404("No such arrangement") from None

    def post(self, request, **kwargs):
        record = self.target(kwargs)
        (shown,) = record.values()
        watching = request.POST.get("watching", "")
        if watching not in ("yes", "no"):
            messages.error(request, "Choose to watch it or to stop watching it.")
            return redirect(shown.get_absolute_url())
        refused = following.set_watching(request.user, watching == "yes", **record)
        if refused:
            messages.error(request, refused)
        elif watching == "yes":
            messages.success(
                request,
                f"You are watching {shown}: its changes are in your daily email digest.",
            )
        else:
            messages.success(request, f"You are no longer watching {shown}.")
        return redirect(shown.get_absolute_url())


class StopWatchingView(SignedInView):
    """``/following/watches/<id>/stop/``: POST stops one of the user's own watches (from
    the list of them)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        watch = get_object_or_404(following.visible_watches(request.user), pk=pk)
        watch.delete()
        messages.success(request, "Stopped watching it.")
        return redirect("register:following")
