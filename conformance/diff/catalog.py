"""Every rule id the differ can emit, with its fixed level and a one-line description.

Levels live here, not at the call sites, so one id always has one level (a
report consumer or an ignore file can rely on that) and so an unknown id is a
programming error caught by the tests rather than a silently new category.
Ids and default levels follow oasdiff's checker wherever oasdiff has the rule;
the x-mock- behaviour rules, the server base path rules, `request-parameter-in-changed`
and `*-security-alternative-removed` are ours. `python -m conformance diff rules`
prints this table.
"""
from __future__ import annotations

from .model import Level

ERR, WARN, INFO = Level.ERR, Level.WARN, Level.INFO

_FIXED: dict[str, tuple[Level, str]] = {
    # endpoints
    "endpoint-added": (INFO, "an operation was added"),
    "api-path-removed-without-deprecation": (ERR, "a whole path was removed without being deprecated first"),
    "api-path-removed-with-deprecation": (INFO, "a deprecated path was removed"),
    "api-removed-without-deprecation": (ERR, "an operation was removed without being deprecated first"),
    "api-removed-with-deprecation": (INFO, "a deprecated operation was removed"),
    "endpoint-deprecated": (INFO, "an operation was marked deprecated"),
    "endpoint-reactivated": (INFO, "an operation is no longer deprecated"),
    "api-operation-id-removed": (INFO, "an operationId was removed or replaced"),
    # deprecation, sunset and stability policy (x-sunset, x-stability-level)
    "api-deprecated-sunset-missing": (ERR, "deprecated without the x-sunset the deprecation policy requires"),
    "api-deprecated-sunset-parse": (ERR, "a deprecated operation's x-sunset is not a date"),
    "api-sunset-date-too-small": (ERR, "deprecated with an x-sunset closer than the policy allows"),
    "api-sunset-date-changed-too-small": (ERR, "x-sunset moved earlier, closer than the policy allows"),
    "sunset-deleted": (ERR, "a deprecated operation lost its x-sunset date"),
    "api-removed-before-sunset": (ERR, "a deprecated operation was removed before its x-sunset date"),
    "api-path-removed-before-sunset": (ERR, "a deprecated path was removed before its x-sunset date"),
    "api-path-sunset-parse": (ERR, "a removed operation's x-sunset is not a date"),
    "api-stability-decreased": (ERR, "an operation's x-stability-level went down (stable > beta > alpha > draft)"),
    "api-stability-increased": (INFO, "an operation's x-stability-level went up"),
    "api-invalid-stability-level": (ERR, "x-stability-level is not one of draft, alpha, beta, stable"),
    # servers (ours: oasdiff does not compare servers)
    "server-base-path-changed": (ERR, "no server keeps any of the old base paths, so every client URL moves"),
    "server-base-path-removed": (WARN, "a server base path was removed while another one remains"),
    "server-base-path-added": (INFO, "a server base path was added"),
    # security
    "api-security-removed": (INFO, "a security requirement was removed; its callers can still call"),
    "api-security-alternative-removed": (ERR, "a way of authenticating was removed; callers using it are refused"),
    "api-security-added": (INFO, "a security alternative was added"),
    "api-security-scope-added": (ERR, "an operation requires an additional OAuth scope"),
    "api-security-scope-removed": (INFO, "an operation no longer requires an OAuth scope"),
    "api-global-security-removed": (INFO, "a global security requirement was removed; its callers can still call"),
    "api-global-security-alternative-removed": (
        ERR, "a global way of authenticating was removed; its callers are refused"
    ),
    "api-global-security-added": (INFO, "a global security alternative was added"),
    "api-global-security-scope-added": (ERR, "the global security requires an additional OAuth scope"),
    "api-global-security-scope-removed": (INFO, "the global security no longer requires an OAuth scope"),
    # parameters
    "new-required-request-parameter": (ERR, "a required parameter was added"),
    "new-optional-request-parameter": (INFO, "an optional parameter was added"),
    "request-parameter-removed": (WARN, "a parameter was removed"),
    "request-parameter-removed-with-deprecation": (INFO, "a deprecated parameter was removed"),
    "request-parameter-became-required": (ERR, "an optional parameter became required"),
    "request-parameter-became-optional": (INFO, "a required parameter became optional"),
    "request-parameter-in-changed": (ERR, "a required parameter moved to another location (query, header, cookie)"),
    "request-parameter-deprecated": (INFO, "a parameter was marked deprecated"),
    "request-parameter-reactivated": (INFO, "a parameter is no longer deprecated"),
    # The schema rule also emits body/property/response defaults at INFO; an optional
    # parameter's default is what the server assumes when the client sends nothing.
    "request-parameter-default-value-added": (
        ERR, "an optional parameter got a default (what the server assumes when it is left out)"
    ),
    "request-parameter-default-value-removed": (ERR, "an optional parameter lost its default"),
    "request-parameter-default-value-changed": (
        ERR, "an optional parameter's default changed: clients leaving it out get other behaviour"
    ),
    # request body
    "request-body-added-required": (ERR, "a required request body was added"),
    "request-body-added-optional": (INFO, "an optional request body was added"),
    "request-body-removed": (ERR, "the request body was removed"),
    "request-body-became-required": (ERR, "the request body became required"),
    "request-body-became-optional": (INFO, "the request body became optional"),
    "request-body-media-type-added": (INFO, "a request media type is now accepted"),
    "request-body-media-type-removed": (ERR, "a request media type is no longer accepted"),
    # object properties
    "new-required-request-property": (ERR, "a required request property was added"),
    "new-optional-request-property": (INFO, "an optional request property was added"),
    "request-property-removed": (WARN, "a request property was removed"),
    "request-property-became-required": (ERR, "a request property became required"),
    "request-property-became-optional": (INFO, "a request property became optional"),
    "response-required-property-removed": (ERR, "a required response property was removed"),
    "response-optional-property-removed": (WARN, "an optional response property was removed"),
    "response-required-property-added": (INFO, "a required response property was added"),
    "response-optional-property-added": (INFO, "an optional response property was added"),
    "response-property-became-optional": (ERR, "a response property is no longer always present"),
    "response-property-became-required": (INFO, "a response property is now always present"),
    # readOnly / writeOnly: a readOnly property is never sent, a writeOnly one never returned
    "request-optional-property-became-read-only": (
        INFO, "an optional request property became readOnly (ignored when sent)"
    ),
    "request-optional-property-became-not-read-only": (INFO, "an optional request property is no longer readOnly"),
    "request-optional-property-became-write-only": (INFO, "an optional request property became writeOnly"),
    "request-optional-property-became-not-write-only": (INFO, "an optional request property is no longer writeOnly"),
    "request-required-property-became-read-only": (
        INFO, "a required request property became readOnly (ignored when sent)"
    ),
    "request-required-property-became-not-read-only": (INFO, "a required request property is no longer readOnly"),
    "request-required-property-became-write-only": (INFO, "a required request property became writeOnly"),
    "request-required-property-became-not-write-only": (INFO, "a required request property is no longer writeOnly"),
    "response-optional-property-became-read-only": (INFO, "an optional response property became readOnly"),
    "response-optional-property-became-not-read-only": (INFO, "an optional response property is no longer readOnly"),
    "response-optional-property-became-write-only": (
        INFO, "an optional response property became writeOnly (not returned)"
    ),
    "response-optional-property-became-not-write-only": (
        INFO, "an optional response property is returned again (not writeOnly)"
    ),
    "response-required-property-became-read-only": (INFO, "a required response property became readOnly"),
    "response-required-property-became-not-read-only": (INFO, "a required response property is no longer readOnly"),
    "response-required-property-became-write-only": (
        INFO, "a required response property became writeOnly (not returned)"
    ),
    "response-required-property-became-not-write-only": (
        WARN, "a required response property is returned now (not writeOnly)"
    ),
    # responses
    "response-success-status-removed": (ERR, "a success status was removed"),
    "response-success-status-added": (INFO, "a success status was added"),
    "response-non-success-status-removed": (INFO, "an error status was removed"),
    "response-non-success-status-added": (INFO, "an error status was added"),
    "response-media-type-removed": (ERR, "a response media type was removed"),
    "response-media-type-added": (INFO, "a response media type was added"),
    "required-response-header-removed": (ERR, "a required response header was removed"),
    "optional-response-header-removed": (WARN, "an optional response header was removed"),
    "response-header-added": (INFO, "a response header was added"),
    "response-header-became-optional": (ERR, "a response header is no longer always sent"),
    "response-header-became-required": (INFO, "a response header is now always sent"),
    # x-mock-credits: paying more is a behaviour change a client cannot see in a schema
    "credit-cost-added": (WARN, "an operation now costs credits"),
    "credit-cost-removed": (INFO, "an operation no longer costs credits"),
    "credit-cost-increased": (WARN, "an operation costs more credits"),
    "credit-cost-decreased": (INFO, "an operation costs fewer credits"),
    "credit-cost-changed": (WARN, "a credit cost formula changed"),
    "credit-deferred-cost-added": (WARN, "an operation now has a deferred credit cost"),
    "credit-deferred-cost-removed": (INFO, "an operation no longer has a deferred credit cost"),
    "credit-deferred-cost-increased": (WARN, "a deferred credit cost increased"),
    "credit-deferred-cost-decreased": (INFO, "a deferred credit cost decreased"),
    "credit-deferred-cost-changed": (WARN, "a deferred credit cost formula changed"),
    # x-mock-throttle
    "throttle-added": (WARN, "an operation is now rate limited"),
    "throttle-removed": (INFO, "an operation is no longer rate limited"),
    "throttle-tightened": (WARN, "a rate limit became stricter (lower limit, longer window or a coarser key)"),
    "throttle-loosened": (INFO, "a rate limit became looser"),
    # x-mock-job: pollers wait for named states, so losing one strands them
    "job-added": (WARN, "an operation now starts an asynchronous job"),
    "job-removed": (WARN, "an operation no longer starts an asynchronous job"),
    "job-state-added": (WARN, "a job passes through a new state"),
    "job-state-removed": (ERR, "a job state pollers may wait for was removed"),
    "job-success-state-changed": (ERR, "the state a finished job reports changed"),
    "job-failure-state-added": (WARN, "a job can now end in a failure state"),
    "job-failure-state-removed": (ERR, "a job's failure state was removed or renamed"),
    "job-state-field-changed": (ERR, "the field that carries a job's state changed"),
    "job-poll-operation-changed": (WARN, "the operation that polls a job changed"),
    "job-fill-field-removed": (WARN, "a field a finished job used to fill is no longer filled"),
    # x-mock-admin, x-mock-preconditions
    "api-became-admin-only": (ERR, "only admin tokens may call the operation now"),
    "api-no-longer-admin-only": (INFO, "the operation is no longer restricted to admin tokens"),
    "precondition-added": (WARN, "a state precondition was added"),
    "precondition-removed": (INFO, "a state precondition was removed"),
    "precondition-changed": (WARN, "a state precondition changed"),
}

# Schema aspects apply wherever a schema sits. The level depends only on which
# side of the wire the schema is on: narrowing what a request accepts breaks
# senders, widening what a response promises breaks readers.
REQUEST_PREFIXES = ("request-parameter", "request-body", "request-property")
RESPONSE_PREFIXES = ("response-body", "response-property", "response-header")
SUBJECTS = {
    "request-parameter": "a parameter's schema",
    "request-body": "the request body schema",
    "request-property": "a request property",
    "response-body": "the response body schema",
    "response-property": "a response property",
    "response-header": "a response header's schema",
}

# aspect -> (level in a request, level in a response, what happened); None: not reported on that side
SCHEMA_ASPECTS: dict[str, tuple[Level | None, Level | None, str]] = {
    "type-changed": (ERR, ERR, "type or format changed incompatibly"),
    "type-generalized": (INFO, ERR, "type or format widened"),
    "type-specialized": (ERR, INFO, "type or format narrowed"),
    "list-of-types-widened": (INFO, ERR, "a type was added to the list of types"),
    "list-of-types-narrowed": (ERR, INFO, "a type was removed from the list of types"),
    "became-nullable": (INFO, ERR, "null became allowed"),
    "became-not-nullable": (ERR, INFO, "null is no longer allowed"),
    "enum-value-added": (INFO, WARN, "an enum value was added"),
    "enum-value-removed": (ERR, INFO, "an enum value was removed"),
    "became-enum": (ERR, INFO, "restricted to a list of values"),
    "no-longer-enum": (INFO, WARN, "no longer restricted to a list of values"),
    "const-added": (ERR, INFO, "restricted to a single const value"),
    "const-removed": (INFO, ERR, "no longer restricted to a single const value"),
    "const-changed": (ERR, ERR, "the const value changed"),
    "default-value-added": (INFO, INFO, "a default value was added"),
    "default-value-removed": (INFO, INFO, "the default value was removed"),
    "default-value-changed": (INFO, INFO, "the default value changed"),
    "pattern-added": (ERR, INFO, "a pattern was added"),
    "pattern-removed": (INFO, ERR, "the pattern was removed"),
    "pattern-changed": (WARN, WARN, "the pattern changed"),
    "pattern-generalized": (INFO, None, "the pattern was replaced by one that matches anything"),
    "one-of-added": (INFO, ERR, "a oneOf branch was added"),
    "one-of-removed": (ERR, INFO, "a oneOf branch was removed"),
    "any-of-added": (INFO, ERR, "an anyOf branch was added"),
    "any-of-removed": (ERR, INFO, "an anyOf branch was removed"),
    "all-of-added": (ERR, INFO, "an allOf branch was added"),
    "all-of-removed": (WARN, ERR, "an allOf branch was removed"),
    "discriminator-added": (INFO, INFO, "a discriminator was added"),
    "discriminator-removed": (INFO, INFO, "the discriminator was removed"),
    "discriminator-property-name-changed": (INFO, INFO, "the discriminator's propertyName changed"),
    "discriminator-mapping-added": (INFO, INFO, "a discriminator mapping was added"),
    "discriminator-mapping-deleted": (INFO, INFO, "a discriminator mapping was removed"),
    "discriminator-mapping-changed": (INFO, INFO, "a discriminator mapping points elsewhere"),
    "additional-properties-disallowed": (ERR, INFO, "additionalProperties: false was added"),
    "additional-properties-allowed": (INFO, INFO, "additionalProperties: false was removed"),
    "prefix-items-added": (INFO, ERR, "a prefixItems position was added"),
    "prefix-items-removed": (ERR, INFO, "a prefixItems position was removed"),
    "contains-added": (ERR, INFO, "contains was added: arrays must hold a matching item"),
    "contains-removed": (INFO, ERR, "contains was removed"),
    "if-added": (ERR, INFO, "an if condition was added"),
    "if-removed": (INFO, ERR, "the if condition was removed"),
    "then-added": (ERR, INFO, "a then branch was added"),
    "then-removed": (INFO, ERR, "the then branch was removed"),
    "else-added": (ERR, INFO, "an else branch was added"),
    "else-removed": (INFO, ERR, "the else branch was removed"),
    "dependent-required-added": (ERR, INFO, "a dependentRequired rule was added"),
    "dependent-required-removed": (INFO, ERR, "a dependentRequired rule was removed"),
    "dependent-required-changed": (ERR, ERR, "a dependentRequired rule changed"),
    "dependent-schema-added": (ERR, INFO, "a dependentSchemas entry was added"),
    "dependent-schema-removed": (INFO, ERR, "a dependentSchemas entry was removed"),
    "unevaluated-properties-added": (ERR, INFO, "unevaluatedProperties was added"),
    "unevaluated-properties-removed": (INFO, ERR, "unevaluatedProperties was removed"),
    "unevaluated-items-added": (ERR, INFO, "unevaluatedItems was added"),
    "unevaluated-items-removed": (INFO, ERR, "unevaluatedItems was removed"),
    "property-names-added": (ERR, INFO, "propertyNames was added"),
    "property-names-removed": (INFO, ERR, "propertyNames was removed"),
    "pattern-property-added": (ERR, INFO, "a patternProperties entry was added"),
    "pattern-property-removed": (INFO, ERR, "a patternProperties entry was removed"),
    "unique-items-set": (ERR, INFO, "uniqueItems: true was added"),
    "unique-items-unset": (INFO, ERR, "uniqueItems: true was removed"),
    "multiple-of-set": (ERR, INFO, "multipleOf was set"),
    "multiple-of-unset": (INFO, ERR, "multipleOf was removed"),
    "multiple-of-changed": (ERR, ERR, "multipleOf changed so that some values are no longer allowed"),
    "multiple-of-generalized": (INFO, None, "multipleOf changed to a divisor of the old one: more values accepted"),
    "multiple-of-specialized": (None, INFO, "multipleOf changed to a multiple of the old one: fewer values returned"),
}

# keyword -> (slug, True when it is an upper bound)
BOUNDS: dict[str, tuple[str, bool]] = {
    "maxLength": ("max-length", True),
    "maximum": ("max", True),
    "exclusiveMaximum": ("exclusive-max", True),
    "maxItems": ("max-items", True),
    "maxProperties": ("max-properties", True),
    "maxContains": ("max-contains", True),
    "minLength": ("min-length", False),
    "minimum": ("min", False),
    "exclusiveMinimum": ("exclusive-min", False),
    "minItems": ("min-items", False),
    "minProperties": ("min-properties", False),
    "minContains": ("min-contains", False),
}


def _bound_aspects(keyword: str, slug: str, upper: bool) -> dict[str, tuple[Level | None, Level | None, str]]:
    # A bound "tightens" when it moves inwards or appears; it "loosens" when it moves out or goes.
    # Setting a bound where there was none is a warning in a request (oasdiff's *-set
    # rules): the values clients actually send usually fit it.
    tighten, loosen = ("decreased", "increased") if upper else ("increased", "decreased")
    return {
        f"{slug}-{tighten}": (ERR, INFO, f"{keyword} {tighten}"),
        f"{slug}-set": (WARN, INFO, f"{keyword} was set"),
        f"{slug}-{loosen}": (INFO, ERR, f"{keyword} {loosen}"),
        f"{slug}-unset": (INFO, ERR, f"{keyword} was removed"),
    }


def _all_aspects() -> dict[str, tuple[Level | None, Level | None, str]]:
    aspects = dict(SCHEMA_ASPECTS)
    for keyword, (slug, upper) in BOUNDS.items():
        aspects.update(_bound_aspects(keyword, slug, upper))
    return aspects


def _generated() -> dict[str, tuple[Level, str]]:
    out: dict[str, tuple[Level, str]] = {}
    for aspect, (req, resp, what) in _all_aspects().items():
        for prefixes, level in ((REQUEST_PREFIXES, req), (RESPONSE_PREFIXES, resp)):
            if level is None:
                continue
            for prefix in prefixes:
                out[f"{prefix}-{aspect}"] = (level, f"{SUBJECTS[prefix]}: {what}")
    return out


_TABLE: dict[str, tuple[Level, str]] = {**_generated(), **_FIXED}
RULES: dict[str, Level] = {rule: level for rule, (level, _) in _TABLE.items()}
DESCRIPTIONS: dict[str, str] = {rule: text for rule, (_, text) in _TABLE.items()}


def level_of(rule_id: str) -> Level:
    return RULES[rule_id]
