"""OpenAPI contract differ: classifies changes between two specs as ERR/WARN/INFO.

`conformance.diff.cli.main(argv)` is the command; `diff_documents` and
`diff_sources` are the library entry points.
"""
from .engine import diff_documents, diff_sources, diff_specs
from .model import Change, Level

__all__ = ["Change", "Level", "diff_documents", "diff_sources", "diff_specs"]
