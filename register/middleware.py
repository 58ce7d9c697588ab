"""Request checks that apply to every page."""

from django.shortcuts import render


class RejectNullCharactersMiddleware:
    """A NUL character in the address can never be valid input, and PostgreSQL refuses it
    outright: answer with a clear 400 page instead of letting it reach a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return render(request, "400.html", status=400)
        return self.get_response(request)
