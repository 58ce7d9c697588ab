"""Cursor pages: every list of the API in the order its records were added (by id)."""

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
