from django.conf import settings

from .navigation import navigation_items


def service(request):
    """The service's name and navigation, for the header and page titles."""
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation_items": navigation_items(request.path),
    }
