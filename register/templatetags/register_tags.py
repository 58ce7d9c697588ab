"""Template filters: formatting only; templates never compute."""

import html

from django import template
from django.utils.safestring import mark_safe

from ..dates import financial_year_label, format_partial_date
from ..money import format_money, format_percentage
from ..tables import status_tag

register = template.Library()


@register.filter
def money(value):
    return format_money(value) if value is not None else ""


@register.filter
def percentage(value):
    return format_percentage(value)


@register.filter
def financial_year(value):
    return financial_year_label(value) if value is not None else "Year not stated"


@register.filter
def partial_date(value, precision="day"):
    return format_partial_date(value, precision)


@register.simple_tag
def status(arrangement):
    return status_tag(arrangement.status, arrangement.get_status_display())


@register.simple_tag
def selected_values(request, name):
    return request.GET.getlist(name)


@register.filter
def point_lists(arrangement):
    """Objectives, benefits and barriers that have entries: (heading, items, anchor)."""
    lists = [
        ("Objectives", arrangement.objectives, "objectives"),
        ("Non-financial benefits", arrangement.benefits, "benefits"),
        ("Barriers", arrangement.barriers, "barriers"),
    ]
    return [(heading, items, anchor) for heading, items, anchor in lists if items]


@register.filter
def choices_with_ids(field):
    """A bound field's choices, the empty one left out, each with its input's id: the
    first takes the field's own id (which the error summary links to), the others that id
    and their position."""
    out = []
    for choice in field:
        if choice.data["value"] == "":
            continue
        out.append((choice, field.auto_id if not out else f"{field.auto_id}_{len(out)}"))
    return out


def _escaped(value) -> str:
    """The text of a value with HTML's special characters escaped: Django's escape,
    without its per-call lazy-string checks, which cost most of the time of a list of
    hundreds of options (every authority)."""
    return html.escape(str(value), quote=True)


@register.simple_tag
def option_tags(options):
    """<option> elements for [(value, label, selected)]: hundreds of them (every
    authority) cost a template loop several milliseconds; this costs a fraction."""
    return mark_safe(  # noqa: S308  (every value and label escaped)
        "".join(
            f'<option value="{_escaped(value)}"{" selected" if chosen else ""}>'
            f"{_escaped(label)}</option>"
            for value, label, chosen in options
        )
    )


@register.simple_tag
def checkbox_tags(name, first_id, options):
    """GOV.UK small checkboxes for [(value, label, selected)], cheap to render for
    hundreds of them like option_tags. The first takes ``first_id`` (the field's id, which
    an error summary links to), the rest ``first_id`` and their position."""
    name, first_id = _escaped(name), _escaped(first_id)
    items = []
    for index, (value, label, chosen) in enumerate(options):
        input_id = first_id if index == 0 else f"{first_id}_{index}"
        items.append(
            f'<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
            f'id="{input_id}" name="{name}" type="checkbox" value="{_escaped(value)}"'
            f'{" checked" if chosen else ""}><label class="govuk-label '
            f'govuk-checkboxes__label" for="{input_id}">{_escaped(label)}</label></div>'
        )
    return mark_safe("".join(items))  # noqa: S308  (every value and label escaped)


@register.simple_tag
def map_dots(dots):
    """The map's dots for the councils involved (register.maps.Dot), each a link to its
    page with its name as a tooltip: hundreds of them, cheap to render like option_tags.
    The page's own council is a square; the others ringed dots. Out of the keyboard's
    order: the table beside the map holds the same links."""
    involved, focus = [], []
    for dot in dots:
        if dot.kind == "focus":
            left, top = dot.corner
            shape, into = f'<rect x="{left}" y="{top}" width="10" height="10"></rect>', focus
        else:
            shape, into = f'<circle cx="{dot.cx}" cy="{dot.cy}" r="3.5"></circle>', involved
        into.append(
            f'<a href="{_escaped(dot.url)}" tabindex="-1"><title>{_escaped(dot.tooltip)}</title>'
            f"{shape}</a>"
        )
    # Each kind's colours once, on a group its marks inherit them from.
    out = []
    if involved:
        out.append(
            '<g class="app-map__involved" fill="#1d70b8" stroke="#0b0c0c" stroke-width="1.2">'
            + "".join(involved)
            + "</g>"
        )
    if focus:  # drawn last, on top
        out.append(
            '<g class="app-map__focus" fill="#0b0c0c" stroke="#ffffff" stroke-width="1.5">'
            + "".join(focus)
            + "</g>"
        )
    return mark_safe("".join(out))  # noqa: S308  (every name and address escaped)


@register.simple_tag
def map_partners(row):
    """The partners of one arrangement in the table beside the map (register.maps.Row of
    register.maps.Member): each linked to its page, with its role and its distance from
    the first; and how many more it has than the map shows, with a link to its page."""
    members = row.members
    items = []
    for member in members:
        role = f" ({_escaped(member.role)})" if member.role else ""
        distance = member.distance
        items.append(
            f'<li><a class="govuk-link" href="{_escaped(member.point.url)}">'
            f"{_escaped(member.point.name)}</a>{role}"
            f"{': ' + _escaped(distance) if distance else ''}</li>"
        )
    if row.more:
        items.append(
            f"<li>and {row.more:,} more partner{'' if row.more == 1 else 's'}, not shown here: "
            f'<a class="govuk-link" href="{_escaped(row.url)}">see {_escaped(row.label)}</a>'
            "</li>"
        )
    return mark_safe(  # noqa: S308  (every name and address escaped)
        '<ul class="govuk-list govuk-!-margin-bottom-0">' + "".join(items) + "</ul>"
    )
