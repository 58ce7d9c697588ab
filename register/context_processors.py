from django.conf import settings

from .figures import HEADLINE_RULE
from .navigation import navigation_items


def service(request):
    """The service's name and navigation, for the header and page titles; the rule of
    which savings count, for every page that shows a total."""
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation_items": navigation_items(request.path),
        "headline_rule": HEADLINE_RULE,
    }
