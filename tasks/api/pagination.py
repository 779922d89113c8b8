"""Cursor pagination: a page of a large list (50,000 assignments) costs the same as the first one, and an item
added while a client walks the list is neither skipped nor seen twice. The order is by id (newest first for
reports and extensions), which the primary key's index serves."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # The cursor is opaque; a client follows `next` and `previous`.
    cursor_query_description = "The page's position: the `next` or `previous` link of the page before."
    page_size_query_description = "Items per page (1 to 200, 50 when not given)."


class NewestFirstPagination(CursorPagination):
    ordering = "-id"
