"""The one reader of a contract: an OpenAPI document and its `x-mock-` behaviour declarations, parsed once into
typed, immutable models with every default applied here.

The mock (`mockserver`), the conformance suite (`conformance`) and the differ (`conformance.diff`) consume what
this package exports and nothing else of it; none of them reads a raw `x-mock-` key. Also here, because all three
need it the same way: the safe expression language of credit formulas and value templates, query coercion, the
seeded schema-valid value generator and the YAML parse cache.
"""
from ._contract import SAFE_METHODS, Contract, path_values
from ._dates import calendar_value, in_current, iso_utc, parse_instant
from ._declarations import (
    NAMESPACE,
    Binding,
    Coherence,
    Credits,
    DeclarationError,
    JobDecl,
    OperationDecl,
    Precondition,
    QueueDecl,
    Reference,
    Refusal,
    RequestIdDecl,
    ResourceDecl,
    Respond,
    ThrottleDecl,
    ValidationDecl,
    WebhookDecl,
    check_vocabulary,
    read_all,
)
from ._document import (
    METHODS,
    Operation,
    RefResolver,
    SpecDocument,
    example_of,
    load_document,
    load_yaml,
    merge_all_of,
    server_url,
)
from ._expressions import Expression, ExpressionError, compiled
from ._generator import BASE_TIME, Generator
from ._parameters import QueryTypes
from ._provenance import KINDS as PROVENANCE_KINDS
from ._provenance import Counts, Node, Provenance, Provenances
from ._resources import data_dir, fixtures_path, spec_path, version
from ._yaml import parse_yaml

__all__ = [
    "BASE_TIME",
    "METHODS",
    "NAMESPACE",
    "SAFE_METHODS",
    "Binding",
    "Contract",
    "Counts",
    "Credits",
    "DeclarationError",
    "Expression",
    "ExpressionError",
    "Generator",
    "JobDecl",
    "Node",
    "Operation",
    "OperationDecl",
    "PROVENANCE_KINDS",
    "Precondition",
    "Provenance",
    "Provenances",
    "QueryTypes",
    "QueueDecl",
    "RefResolver",
    "Coherence",
    "Reference",
    "Refusal",
    "RequestIdDecl",
    "Respond",
    "ResourceDecl",
    "SpecDocument",
    "ThrottleDecl",
    "ValidationDecl",
    "WebhookDecl",
    "calendar_value",
    "check_vocabulary",
    "compiled",
    "data_dir",
    "example_of",
    "fixtures_path",
    "in_current",
    "iso_utc",
    "load_document",
    "load_yaml",
    "merge_all_of",
    "parse_instant",
    "parse_yaml",
    "path_values",
    "read_all",
    "server_url",
    "spec_path",
    "version",
]
