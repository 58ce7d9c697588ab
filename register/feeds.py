"""Atom feeds, for following changes in a feed reader: of any filtered list of
arrangements, of the arrangements one authority takes part in, and of one arrangement's
own record.

An entry of the list's and an authority's feed is an arrangement as it stands after its
latest change (its ``updated_at``), newest first; the entry's id is the arrangement's
address, so a reader shows a changed arrangement as an updated entry rather than a new
one. An entry of an arrangement's feed is one change to its record: when, and which of
the fields its page shows changed, never who made it or why. Every feed holds at most
``selectors.FEED_ENTRIES`` entries and hides exempt arrangements exactly as the pages do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from . import links, selectors
from .filters import ArrangementFilterSet
from .models import Arrangement, Authority

# Partners named in an entry's summary; the rest are counted ("and 12 more").
PARTNERS_NAMED = 20


class FiltersRefused(Exception):
    """The query string holds a filter value the list would refuse."""

    def __init__(self, filterset):
        super().__init__("Filters not understood")
        self.filterset = filterset


def refused_filters_response(filterset) -> HttpResponse:
    """A 400 naming each filter refused and why, in plain words."""
    form = filterset.form
    lines = [
        f"{form.fields[name].label if name in form.fields else 'Filters'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    ]
    return HttpResponse(
        "This feed's filters could not be understood, so it has no entries.\n"
        "Correct them as the list of arrangements asks, then subscribe again.\n\n"
        + "\n".join(lines)
        + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def arrangement_summary(arrangement: Arrangement) -> str:
    """What an arrangement is, in words, as HTML: its summary, status and kind, who takes
    part and in what role, its service areas and when it started."""
    joined = arrangement.joined
    partners = format_html_join(
        ", ",
        "{} ({})",
        (
            (m.authority.name, m.get_role_display().split(" (")[0].lower())
            for m in joined[:PARTNERS_NAMED]
        ),
    )
    if len(joined) > PARTNERS_NAMED:
        partners = format_html("{} and {} more", partners, len(joined) - PARTNERS_NAMED)
    areas = ", ".join(area.name for area in arrangement.service_areas.all())
    parts = []
    if arrangement.summary:
        parts.append(format_html("<p>{}</p>", arrangement.summary))
    parts.append(
        format_html(
            "<p>Status: {}. Kind: {}.</p>",
            arrangement.get_status_display(),
            arrangement.get_kind_display(),
        )
    )
    parts.append(
        format_html("<p>Taking part: {}.</p>", partners)
        if joined
        else format_html("<p>{}</p>", "No member has joined yet.")
    )
    parts.append(format_html("<p>Service areas: {}.</p>", areas or "not recorded"))
    if arrangement.start_date:
        parts.append(format_html("<p>Started: {}.</p>", arrangement.start_display))
    return "".join(parts)


# Characters XML 1.0 cannot hold at all: C0 controls other than tab, newline and return,
# surrogates, and the two non-characters U+FFFE and U+FFFF. A title typed with one (or a
# search for one) would otherwise make the whole feed unreadable, or a server error.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """Text as a feed can carry it: each character XML cannot hold shown as U+FFFD (the
    record itself is unchanged)."""
    if isinstance(value, str):
        return NOT_IN_XML.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(part) for part in value)
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom whose every text, of the feed and of each entry, XML can hold."""

    def write(self, outfile, encoding):
        self.feed = {key: xml_safe(value) for key, value in self.feed.items()}
        self.items = [{key: xml_safe(value) for key, value in item.items()} for item in self.items]
        super().write(outfile, encoding)


class RegisterFeed(Feed):
    """What every feed of the register shares: Atom, the service as author, and an
    arrangement as an entry."""

    feed_type = XmlSafeAtom1Feed
    author_name = settings.SERVICE_NAME

    def feed_title(self, what: str) -> str:
        return f"{what} – {settings.SERVICE_NAME}"

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return arrangement_summary(item)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_updateddate(self, item):
        # Never before it was published: the save that made it public stamps its
        # updated_at a moment before the history record it is published from.
        return max(item.updated_at, item.appeared_at)

    def item_pubdate(self, item):
        # When it appeared to the reader: for the public, when it last became public.
        return item.appeared_at


@dataclass(frozen=True)
class FilteredList:
    filterset: ArrangementFilterSet
    feed_url: str


class ArrangementListFeed(RegisterFeed):
    """``/arrangements/feed/?<the list's filters>``: the arrangements the list shows for
    the same query string, most recently changed first."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except FiltersRefused as refused:
            return refused_filters_response(refused.filterset)

    def get_object(self, request, *args, **kwargs):
        filterset = ArrangementFilterSet(
            request.GET,
            queryset=Arrangement.objects.visible_to(request.user),
            request=request,
        )
        if not filterset.is_valid():
            raise FiltersRefused(filterset)
        return FilteredList(filterset, links.arrangement_feed_url(filterset))

    def title(self, obj):
        applied = "; ".join(
            f"{group['heading']}: {', '.join(item['label'] for item in group['items'])}"
            for group in obj.filterset.applied()
        )
        return self.feed_title(f"Arrangements ({applied})" if applied else "Arrangements")

    def subtitle(self, obj):
        return (
            f"The {selectors.FEED_ENTRIES} arrangements most recently changed in the register"
            + (" among those these filters select" if links.filter_pairs(obj.filterset) else "")
            + ", newest first."
        )

    def link(self, obj):
        return links.arrangements_url(links.filter_pairs(obj.filterset))

    def feed_url(self, obj):
        return obj.feed_url

    def items(self, obj):
        return selectors.arrangement_feed(obj.filterset)


@dataclass(frozen=True)
class ForReader:
    """A record a feed follows, and who reads it (what they may see)."""

    record: object
    user: object


class AuthorityFeed(RegisterFeed):
    """``/authorities/<code>/feed/``: the arrangements an authority takes part in."""

    def __call__(self, request, code):
        if code != code.upper():
            # Codes are capitals; a typed "cld" is CLD's feed, as it is CLD's page.
            return redirect("register:authority-feed", code=code.upper(), permanent=True)
        return super().__call__(request, code=code)

    def get_object(self, request, code):
        return ForReader(Authority.objects.only("code", "name").get(code=code), request.user)

    def title(self, obj):
        return self.feed_title(f"Arrangements {obj.record.name} takes part in")

    def subtitle(self, obj):
        return (
            f"The {selectors.FEED_ENTRIES} arrangements most recently changed in which "
            f"{obj.record.name} takes part as lead, host or partner, newest first."
        )

    def link(self, obj):
        return obj.record.get_absolute_url()

    def feed_url(self, obj):
        return reverse("register:authority-feed", args=[obj.record.code])

    def items(self, obj):
        return selectors.authority_feed(obj.user, obj.record)


class ArrangementFeed(RegisterFeed):
    """``/arrangements/<slug>/feed/``: the changes to one arrangement's record."""

    def get_object(self, request, slug):
        return ForReader(selectors.arrangement_for_feed(request.user, slug), request.user)

    def title(self, obj):
        return self.feed_title(f"Changes to {obj.record.title}")

    def subtitle(self, obj):
        return (
            f"The latest {selectors.FEED_ENTRIES} changes to this arrangement's record in "
            "the register, newest first: when, and which of the facts its page shows "
            "changed. Changes to its partners, savings and milestones are not listed: the "
            "page shows them as they stand."
        )

    def link(self, obj):
        return obj.record.get_absolute_url()

    def feed_url(self, obj):
        return reverse("register:arrangement-feed-detail", args=[obj.record.slug])

    def items(self, obj):
        return [
            {**change, "arrangement": obj.record}
            for change in selectors.arrangement_changes(obj.user, obj.record)
        ]

    def item_title(self, item):
        if item["what"] == "Changed" and item["fields"]:
            return f"{item['arrangement'].title}: changed {', '.join(item['fields'])}"
        return f"{item['arrangement'].title}: {item['what'].lower()}"

    def item_description(self, item):
        if item["what"] == "Changed":
            said = format_html("<p>Changed: {}.</p>", ", ".join(item["fields"]))
        else:
            said = format_html("<p>{} in the register.</p>", item["what"])
        return format_html("{}<p>Status after this change: {}.</p>", said, item["status"])

    def item_link(self, item):
        # The arrangement's page; the fragment makes each change's entry id its own.
        return f"{item['arrangement'].get_absolute_url()}#change-{item['id']}"

    def item_updateddate(self, item):
        return item["when"]

    def item_pubdate(self, item):
        return item["when"]
