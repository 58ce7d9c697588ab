"""Cursor pages: every list of the API in the order its records were added (by id)."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class RegisterCursorPagination(CursorPagination):
    """``?cursor=`` is opaque: follow ``next`` and ``previous``. Ordered by id, which is
    unique and indexed, so a page is found from the index whatever the filters, never
    skips or repeats a record when records are added, and costs the same at any depth
    (no count, no offset)."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """DRF checks a cursor's form but not its position: a cursor made by hand, with a
        position that is not an id, reached the database (a server error). It is the
        same 404 as any other cursor this API did not give."""
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not (str(position).isascii() and str(position).isdigit()):
            raise NotFound(self.invalid_cursor_message)
        return cursor
