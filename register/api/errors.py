"""Error bodies of one shape: ``{"detail": "...", "errors": {parameter: [messages]}}``.

A filter the FilterSet refuses (``?status=nonsense``, ``?savings_min=-1``) is a 400 that
names each parameter and says what is wrong with it, as the list page's error summary
does; an unknown record or a cursor that is not one is a 404; a client over its rate is a
429. Never a 500 for bad input."""

from django.http import JsonResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For a refused query: each parameter's messages.",
    )


def handle_exception(exc, context):
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, ValidationError):
        return response
    data = response.data
    if isinstance(data, dict):
        errors = {
            str(name): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in data.items()
        }
    else:
        errors = {"query": [str(m) for m in (data if isinstance(data, list) else [data])]}
    named = ", ".join(sorted(errors))
    response.data = {"detail": f"The query was not understood: see {named}.", "errors": errors}
    return response


# Documented on every operation: what a client can meet besides 200. 405: a method
# other than reading (GET, HEAD, OPTIONS); 406: an Accept header that JSON does not
# satisfy (the body is JSON all the same).
ERROR_RESPONSES = {
    400: ErrorSerializer,
    404: ErrorSerializer,
    405: ErrorSerializer,
    406: ErrorSerializer,
    429: ErrorSerializer,
}


API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Whether the request is for the API, whose every answer is JSON: an address no
    route matches, or one refused before any view (a NUL character), included."""
    return request.path.startswith(API_PREFIX)


def not_found() -> JsonResponse:
    return JsonResponse({"detail": "Not found: no such address in the API."}, status=404)


def refused(message: str, errors: dict | None = None) -> JsonResponse:
    return JsonResponse({"detail": message, "errors": errors or {}}, status=400)
