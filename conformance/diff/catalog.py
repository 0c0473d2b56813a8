"""Every rule id the differ can emit, with its fixed level.

Levels live here, not at the call sites, so one id always has one level (a
report consumer or an ignore file can rely on that) and so an unknown id is a
programming error caught by the tests rather than a silently new category.
Names and levels follow oasdiff where oasdiff has the rule; the x- rules are ours.
"""
from __future__ import annotations

from .model import Level

ERR, WARN, INFO = Level.ERR, Level.WARN, Level.INFO

_FIXED: dict[str, Level] = {
    # endpoints
    "endpoint-added": INFO,
    "api-path-removed-without-deprecation": ERR,
    "api-path-removed-with-deprecation": INFO,
    "api-removed-without-deprecation": ERR,
    "api-removed-with-deprecation": INFO,
    "endpoint-deprecated": INFO,
    "endpoint-reactivated": INFO,
    "api-operation-id-removed": INFO,
    # security
    "api-security-removed": ERR,
    "api-security-added": INFO,
    "api-security-scope-added": ERR,
    "api-security-scope-removed": INFO,
    "api-global-security-removed": ERR,
    "api-global-security-added": INFO,
    "api-global-security-scope-added": ERR,
    "api-global-security-scope-removed": INFO,
    # parameters
    "new-required-request-parameter": ERR,
    "new-optional-request-parameter": INFO,
    "request-parameter-removed": WARN,
    "request-parameter-removed-with-deprecation": INFO,
    "request-parameter-became-required": ERR,
    "request-parameter-became-optional": INFO,
    "request-parameter-in-changed": ERR,
    "request-parameter-deprecated": INFO,
    "request-parameter-reactivated": INFO,
    # request body
    "request-body-added-required": ERR,
    "request-body-added-optional": INFO,
    "request-body-removed": ERR,
    "request-body-became-required": ERR,
    "request-body-became-optional": INFO,
    "request-body-media-type-added": INFO,
    "request-body-media-type-removed": ERR,
    # object properties
    "new-required-request-property": ERR,
    "new-optional-request-property": INFO,
    "request-property-removed": WARN,
    "request-property-became-required": ERR,
    "request-property-became-optional": INFO,
    "response-required-property-removed": ERR,
    "response-optional-property-removed": WARN,
    "response-required-property-added": INFO,
    "response-optional-property-added": INFO,
    "response-property-became-optional": ERR,
    "response-property-became-required": INFO,
    # responses
    "response-success-status-removed": ERR,
    "response-success-status-added": INFO,
    "response-non-success-status-removed": INFO,
    "response-non-success-status-added": INFO,
    "response-media-type-removed": ERR,
    "response-media-type-added": INFO,
    "required-response-header-removed": ERR,
    "optional-response-header-removed": WARN,
    "response-header-added": INFO,
    "response-header-became-optional": ERR,
    "response-header-became-required": INFO,
    # x-mock-credits: paying more is a behaviour change a client cannot see in a schema
    "credit-cost-added": WARN,
    "credit-cost-removed": INFO,
    "credit-cost-increased": WARN,
    "credit-cost-decreased": INFO,
    "credit-cost-changed": WARN,
    "credit-deferred-cost-added": WARN,
    "credit-deferred-cost-removed": INFO,
    "credit-deferred-cost-increased": WARN,
    "credit-deferred-cost-decreased": INFO,
    "credit-deferred-cost-changed": WARN,
    # x-mock-throttle
    "throttle-added": WARN,
    "throttle-removed": INFO,
    "throttle-tightened": WARN,
    "throttle-loosened": INFO,
    # x-mock-job: pollers wait for named states, so losing one strands them
    "job-added": WARN,
    "job-removed": WARN,
    "job-state-added": WARN,
    "job-state-removed": ERR,
    "job-success-state-changed": ERR,
    "job-failure-state-added": WARN,
    "job-failure-state-removed": ERR,
    "job-state-field-changed": ERR,
    "job-poll-operation-changed": WARN,
    "job-fill-field-removed": WARN,
    # x-mock-admin, x-mock-preconditions
    "api-became-admin-only": ERR,
    "api-no-longer-admin-only": INFO,
    "precondition-added": WARN,
    "precondition-removed": INFO,
    "precondition-changed": WARN,
}

# Schema aspects apply wherever a schema sits. The level depends only on which
# side of the wire the schema is on: narrowing what a request accepts breaks
# senders, widening what a response promises breaks readers.
REQUEST_PREFIXES = ("request-parameter", "request-body", "request-property")
RESPONSE_PREFIXES = ("response-body", "response-property", "response-header")

# aspect -> (level in a request, level in a response)
SCHEMA_ASPECTS: dict[str, tuple[Level, Level]] = {
    "type-changed": (ERR, ERR),
    "type-generalized": (INFO, ERR),
    "type-specialized": (ERR, INFO),
    "became-nullable": (INFO, ERR),
    "became-not-nullable": (ERR, INFO),
    "enum-value-added": (INFO, WARN),
    "enum-value-removed": (ERR, INFO),
    "became-enum": (ERR, INFO),
    "no-longer-enum": (INFO, WARN),
    "pattern-added": (ERR, INFO),
    "pattern-removed": (INFO, ERR),
    "pattern-changed": (WARN, WARN),
    "one-of-added": (INFO, ERR),
    "one-of-removed": (ERR, INFO),
    "any-of-added": (INFO, ERR),
    "any-of-removed": (ERR, INFO),
    "additional-properties-disallowed": (ERR, INFO),
    "additional-properties-allowed": (INFO, INFO),
}

# keyword -> (slug, True when it is an upper bound)
BOUNDS: dict[str, tuple[str, bool]] = {
    "maxLength": ("max-length", True),
    "maximum": ("max", True),
    "exclusiveMaximum": ("exclusive-max", True),
    "maxItems": ("max-items", True),
    "minLength": ("min-length", False),
    "minimum": ("min", False),
    "exclusiveMinimum": ("exclusive-min", False),
    "minItems": ("min-items", False),
}


def _bound_levels(upper: bool) -> dict[str, tuple[Level, Level]]:
    # A bound "tightens" when it moves inwards or appears; it "loosens" when it moves out or goes.
    tighten, loosen = ("decreased", "increased") if upper else ("increased", "decreased")
    return {tighten: (ERR, INFO), "set": (ERR, INFO), loosen: (INFO, ERR), "unset": (INFO, ERR)}


def _generated() -> dict[str, Level]:
    out: dict[str, Level] = {}
    aspects = dict(SCHEMA_ASPECTS)
    for slug, upper in BOUNDS.values():
        for verb, levels in _bound_levels(upper).items():
            aspects[f"{slug}-{verb}"] = levels
    for prefix in REQUEST_PREFIXES:
        for aspect, (req, _) in aspects.items():
            out[f"{prefix}-{aspect}"] = req
    for prefix in RESPONSE_PREFIXES:
        for aspect, (_, resp) in aspects.items():
            out[f"{prefix}-{aspect}"] = resp
    return out


RULES: dict[str, Level] = {**_generated(), **_FIXED}
FIXED_RULE_IDS = frozenset(_FIXED)


def level_of(rule_id: str) -> Level:
    return RULES[rule_id]
