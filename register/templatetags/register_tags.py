"""Template filters: formatting only; templates never compute."""

from django import template
from django.utils.html import format_html_join
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


@register.simple_tag
def option_tags(options):
    """<option> elements for [(value, label, selected)]: hundreds of them (every
    authority) cost a template loop several milliseconds; this costs a fraction."""
    selected = mark_safe(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, selected if chosen else "", label) for value, label, chosen in options),
    )


@register.simple_tag
def checkbox_tags(name, first_id, options):
    """GOV.UK small checkboxes for [(value, label, selected)], cheap to render for
    hundreds of them like option_tags. The first takes ``first_id`` (the field's id, which
    an error summary links to), the rest ``first_id`` and their position."""
    checked = mark_safe(" checked")
    return format_html_join(
        "",
        '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="{}" '
        'name="{}" type="checkbox" value="{}"{}><label class="govuk-label '
        'govuk-checkboxes__label" for="{}">{}</label></div>',
        (
            (input_id, name, value, checked if chosen else "", input_id, label)
            for input_id, (value, label, chosen) in (
                (first_id if index == 0 else f"{first_id}_{index}", option)
                for index, option in enumerate(options)
            )
        ),
    )
