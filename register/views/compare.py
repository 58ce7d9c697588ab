"""Councils side by side: /compare/?authority=CLD&authority=KIR, and its by-service-area
table as CSV (``&format=csv``)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.views.generic import TemplateView

from .. import comparisons, exports


class AnyCodes(forms.MultipleChoiceField):
    """The codes as given: comparisons.parse_choice checks them and says what is wrong."""

    def validate(self, value):
        pass


class CompareForm(forms.Form):
    authority = AnyCodes(label="Councils to compare", required=False)


class CompareView(TemplateView):
    template_name = "register/compare.html"

    def get(self, request, *args, **kwargs):
        get = request.GET
        choice = comparisons.parse_choice(get.getlist("authority"))
        tier_average = comparisons.wants_tier_average(get.get("tier_average"))
        form = CompareForm(get)
        form.is_valid()
        for error in choice.errors:
            form.add_error("authority", error)
        wanted = get.get("format", "").strip().lower()
        context = {
            "form": form,
            "choice": choice,
            "tier_average": tier_average,
            "options": [
                (code, label, code in choice.asked) for code, label in comparisons.council_options()
            ],
            "min_compared": comparisons.MIN_COMPARED,
            "max_compared": comparisons.MAX_COMPARED,
        }
        status = 200
        if choice.errors:
            status = 404 if choice.unknown else 400
        elif choice.ready:
            page = comparisons.compare_page(
                request.user, choice.councils, tier_average=tier_average
            )
            if wanted == "csv":
                return self.csv_response(page)
            if wanted:
                context["download_problem"] = (
                    f"There is no “{wanted[:20]}” download of this comparison: "
                    "the table by service area downloads as CSV."
                )
                status = 400
            context.update(page)
            query = [("authority", code) for code in page["codes"]]
            context["query_average"] = self.address(query + [("tier_average", "1")])
            context["query_no_average"] = self.address(query + [("tier_average", "0")])
            context["csv_url"] = self.address(
                query + ([] if tier_average else [("tier_average", "0")]) + [("format", "csv")]
            )
        return self.render_to_response(context, status=status)

    def address(self, pairs) -> str:
        from urllib.parse import urlencode

        return f"{self.request.path}?{urlencode(pairs)}"

    def csv_response(self, page) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = "-".join(code.lower() for code in page["codes"])
        response["Content-Disposition"] = f'attachment; filename="compare-{name}.csv"'
        exports.csv_writer(response).writerows(comparisons.area_rows_as_csv(page))
        return response
