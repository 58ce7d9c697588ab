"""Page sizes a list may be shown in, read from ``?per_page=``."""

PAGE_SIZES = (25, 50, 100)


def page_size(request, default: int = 25) -> int:
    """The page size asked for, if it is one of PAGE_SIZES; otherwise the default."""
    try:
        size = int(request.GET.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default
