"""A stateful mock server driven by an OpenAPI 3.1 document and its x- behaviour declarations."""
