"""The register's read-only JSON API, under /api/v1/ (README, "API").

- ``serializers``: what each record and summary looks like in JSON; every figure keeps
  its qualifiers and says whose it is, as the pages and downloads do;
- ``views``: thin read-only views that call register.selectors and register.summaries,
  filter with the list pages' own FilterSets and hide exempt arrangements exactly as
  the pages do (``visible_to``);
- ``pagination``, ``throttling``, ``errors``: cursor pages, the anonymous rate limit,
  and error bodies of one shape;
- ``urls``: the addresses, the OpenAPI schema and its documentation page.
"""
