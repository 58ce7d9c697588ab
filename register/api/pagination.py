"""Cursor pages: every list of the API in the order its records were added (by id)."""

import re

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from ..filters import repeated

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class RegisterCursorPagination(CursorPagination):
    """``?cursor=`` is opaque: follow ``next`` and ``previous``. Ordered by id, which is
    unique and indexed, so a page is found from the index whatever the filters, never
    skips or repeats a record when records are added, and costs the same at any depth
    (no count, no offset).

    ``?page_size=`` is a whole number from 1 to ``max_page_size``: anything else is a
    400 saying so (DRF's own fell back to the default in silence, so a client asking for
    500 got 50 and could not tell). Each is given once at most, as every single-value
    parameter (register.filters.repeated)."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def refuse_repeated(self, request, name):
        message = repeated(request.query_params, name)
        if message:
            raise ValidationError({name: [message]})

    def get_page_size(self, request):
        name = self.page_size_query_param
        self.refuse_repeated(request, name)
        given = request.query_params.get(name, "").strip()
        if not given:
            return self.page_size
        if WHOLE_NUMBER.fullmatch(given) and 1 <= int(given) <= self.max_page_size:
            return int(given)
        raise ValidationError(
            {
                name: [
                    f"Give a whole number of results a page from 1 to {self.max_page_size} "
                    f"({self.page_size} if left out), not ‘{given[:40]}’."
                ]
            }
        )

    def decode_cursor(self, request):
        """DRF checks a cursor's form but not its position: a cursor made by hand, with a
        position that is not an id, reached the database (a server error). It is the
        same 404 as any other cursor this API did not give."""
        self.refuse_repeated(request, self.cursor_query_param)
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not (str(position).isascii() and str(position).isdigit()):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results a page: from 1 to {self.max_page_size}, {self.page_size} if "
                    "left out. Any other value is refused (400)."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
