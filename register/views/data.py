"""The data page (/data/): the whole public register as dated releases to download."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from .. import selectors


class DataView(TemplateView):
    template_name = "register/data.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **selectors.data_releases()}


@require_safe
def release_file(request, version: str, name: str):
    found = selectors.release_download(version, name)
    if found is None:
        raise Http404("No such release file.")
    path, media_type = found
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=media_type)
