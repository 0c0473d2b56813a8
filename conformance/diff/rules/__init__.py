"""Importing this package registers every rule."""
from ..registry import OPERATION_RULES, SCHEMA_RULES, SPEC_RULES
from . import endpoints, extensions, parameters, request_body, responses, schemas, security, servers  # noqa: F401

__all__ = ["OPERATION_RULES", "SCHEMA_RULES", "SPEC_RULES"]
