"""Page sizes a list may be shown in, read from ``?per_page=``."""

PAGE_SIZES = (25, 50, 100)


def page_size(request, default: int = 25) -> int:
    """The page size asked for, if it is one of PAGE_SIZES; otherwise the default."""
    try:
        size = int(request.GET.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default


def page_size_note(request, default: int) -> str | None:
    """What the page says when ``?per_page=`` asks for a size it does not offer, rather
    than showing another size in silence."""
    asked = request.GET.get("per_page", "").strip()
    if not asked or asked in {str(size) for size in PAGE_SIZES}:
        return None
    sizes = ", ".join(str(size) for size in PAGE_SIZES[:-1]) + f" or {PAGE_SIZES[-1]}"
    shown = asked if len(asked) <= 20 else asked[:19] + "\u2026"
    return (
        f"There is no page size \u201c{shown}\u201d: a page shows {sizes} rows, "
        f"so this one shows {default}."
    )
