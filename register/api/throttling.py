"""The rate limit for clients not signed in."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """DRF's anonymous throttle (counted per client address in Django's cache), at the
    rate ``settings.API_ANON_RATE`` gives when the request is made (DRF's own reads its
    rate once, at import), so that the environment and the tests can set it. An empty
    rate turns it off. Signed-in users are not throttled."""

    def get_rate(self):
        return settings.API_ANON_RATE or None
