"""The register's pages. Each view parses the request, calls one function from
``register.selectors`` or ``register.summaries``, and renders what it returns."""
