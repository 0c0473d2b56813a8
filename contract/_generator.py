"""Seeded data generation from JSON Schema: valid against every constraint, realistic where the field name says
what it holds (faker), identical for the same seed."""
from __future__ import annotations

import random
import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # `sre_parse`, deprecated since 3.11
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from ._dates import iso_utc
from ._document import merge_all_of

# Fixture timestamps hang off a fixed date so the same seed gives the same data on any day.
BASE_TIME = datetime(2026, 5, 1, 9, 0, 0, tzinfo=UTC)
_SKIP = object()


def iso(ts: datetime) -> str:
    return iso_utc(ts.timestamp())


POOL_SIZE = 64
MINIMAL_DEPTH = 8  # below it, only what the schema requires: recursive schemas end with their smallest value
MAX_DEPTH = 64  # a schema that requires deeper nesting than this has no finite value


def _followed(schema: Any) -> Any:
    target = getattr(schema, "target", None)
    return target() if target is not None else schema


def _discriminated(value: Any, discriminator: Any, chosen: Any) -> Any:
    """An object generated for a `oneOf`/`anyOf` branch (or an `allOf` part) names that branch in the
    discriminator's property: the mapping's key for the branch's `$ref`, else the component's name."""
    if not isinstance(discriminator, dict) or not isinstance(value, dict):
        return value
    prop = discriminator.get("propertyName")
    ref = getattr(chosen, "ref", None) or (chosen.get("$ref") if isinstance(chosen, dict) else None)
    if not prop or not isinstance(ref, str):
        return value
    mapping = discriminator.get("mapping") or {}
    names = [key for key, target in mapping.items() if target == ref or target == ref.rsplit("/", 1)[-1]]
    value[prop] = names[0] if names else ref.rsplit("/", 1)[-1]
    return value


class Generator:
    def __init__(self, seed: int = 0, locale: str = "en_US"):
        self.rng = random.Random(seed)
        self.faker = Faker(locale)
        self.faker.seed_instance(seed)
        self._pools: dict[Callable[[], Any], list[Any]] = {}
        self._by_name: list[tuple[re.Pattern[str], Callable[[], Any]]] = [
            (re.compile(r"(^|_)email$"), self.faker.email),
            (re.compile(r"(^|_)(domain|hostname)$"), self.faker.domain_name),
            (re.compile(r"(^|_)(url|link|uri|endpoint|href)$"), self.faker.url),
            (re.compile(r"(^|_)(keyword|seed|query|alias|anchor|q)$"), lambda: " ".join(self.faker.words(2))),
            (re.compile(r"(^|_)(title|label|headline|subject|goal)$"), lambda: self.faker.sentence(5).rstrip(".")),
            (re.compile(r"(^|_)(name|brand_name|company)$"), self.faker.company),
            (re.compile(r"(^|_)(first_name|author|user_name|who)$"), self.faker.name),
            (re.compile(r"(^|_)slug$"), lambda: self.faker.slug()),
            (re.compile(r"(^|_)(description|message|summary|notes|reason|text|explanation|observation|why)$"),
             lambda: self.faker.sentence(10)),
            (re.compile(r"(^|_)(content|markdown|body|body_md|raw_text|markdown_content|prompt_text|prompt)$"),
             lambda: self.faker.paragraph(3)),
            (re.compile(r"(^|_)(country)$"), lambda: self.rng.choice(["DE", "US", "GB", "AT", "CH"])),
            (re.compile(r"(^|_)(language|locale)$"), lambda: self.rng.choice(["de", "en"])),
            (re.compile(r"(^|_)(token|secret|key)$"), lambda: self.faker.sha1()[:40]),
        ]

    # -- public -----------------------------------------------------------------------------------------------
    def value(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        """A value valid against `schema`. Below MINIMAL_DEPTH only what the schema requires is generated
        (required properties, minItems items), so recursive schemas end with their smallest valid value."""
        schema = _followed(schema)  # a recursive `$ref` the resolver left in place (contract._document.RecursiveRef)
        own_ref = getattr(schema, "ref", None)
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return None
        if "allOf" in schema:
            schema = merge_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            choices = [v for v in schema["enum"] if v is not None] or schema["enum"]
            return self.rng.choice(choices) if choices else None
        for key in ("oneOf", "anyOf"):
            if key in schema and schema[key]:
                branches = [b for b in schema[key] if not (isinstance(b, dict) and b.get("type") == "null")]
                if depth >= MINIMAL_DEPTH and len(branches) < len(schema[key]):
                    return None  # null is the smallest value a recursive branch can end with
                chosen = (branches or schema[key])[0]
                base = {k: v for k, v in schema.items() if k not in (key, "discriminator")}
                branch = merge_all_of({"allOf": [base, _followed(chosen)]})
                value = self.value(branch, name, depth)
                return _discriminated(value, schema.get("discriminator"), chosen)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            kind = non_null[0] if non_null and not (depth >= MINIMAL_DEPTH and "null" in kind) else "null"
        if kind is None:
            kind = "object" if "properties" in schema else ("array" if "items" in schema else "string")
        maker = getattr(self, f"_{kind}", None)
        value = maker(schema, name, depth) if maker else None
        return _discriminated(value, schema.get("discriminator"), {"$ref": own_ref} if own_ref else schema)

    # -- per type ---------------------------------------------------------------------------------------------
    def _null(self, schema: dict[str, Any], name: str, depth: int) -> None:
        return None

    def _boolean(self, schema: dict[str, Any], name: str, depth: int) -> bool:
        return self.rng.random() < 0.5

    def _object(self, schema: dict[str, Any], name: str, depth: int) -> dict[str, Any]:
        out = {}
        required = schema.get("required") or []
        for prop, sub in (schema.get("properties") or {}).items():
            if sub is False or (depth >= MINIMAL_DEPTH and prop not in required):
                continue
            out[prop] = self.value(sub, prop, depth + 1)
        extra = schema.get("additionalProperties")
        need = schema.get("minProperties", 0) - len(out)
        if isinstance(extra, dict) and need > 0:
            for i in range(need):
                out[f"key_{i + 1}"] = self.value(extra, "", depth + 1)
        return out

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        lo = schema.get("minItems", 0)
        hi = schema.get("maxItems", lo + 3)
        count = min(hi, max(lo, 2 if depth < 4 else lo))
        if depth >= MINIMAL_DEPTH:
            count = lo
        items = schema.get("items", {})
        values: list[Any] = []
        attempts = 0
        while len(values) < count and attempts < count * 5:
            attempts += 1
            v = self.value(items, name.rstrip("s"), depth + 1)
            if schema.get("uniqueItems") and v in values:
                continue
            values.append(v)
        return values

    def _integer(self, schema: dict[str, Any], name: str, depth: int) -> int:
        lo, hi = self._bounds(schema, 1 if name.endswith("id") or name == "id" else 0, 100, integer=True)
        if name == "id" or name.endswith("_id"):
            hi = max(lo, min(hi, lo + 999))
        step = schema.get("multipleOf", 1)
        value = self.rng.randint(int(lo), int(hi))
        if step and step != 1:
            value = (value // step) * step
            if value < lo:
                value += step
        return int(value)

    def _number(self, schema: dict[str, Any], name: str, depth: int) -> float:
        lo, hi = self._bounds(schema, 0, 100, integer=False)
        return round(self.rng.uniform(lo, hi), 3) if hi > lo else lo

    def _bounds(self, schema: dict[str, Any], lo: float, hi: float, integer: bool) -> tuple[float, float]:
        min_v, max_v = schema.get("minimum"), schema.get("maximum")
        emin, emax = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        nudge = 1 if integer else 0.001
        if isinstance(emin, (int, float)) and not isinstance(emin, bool):
            min_v = emin + nudge
        if isinstance(emax, (int, float)) and not isinstance(emax, bool):
            max_v = emax - nudge
        if min_v is not None:
            lo = min_v
            hi = max(hi, lo)
        if max_v is not None:
            hi = max_v
            lo = min(lo, hi)
        if integer:
            import math

            lo, hi = math.ceil(lo), math.floor(hi)
        return lo, hi

    def _string(self, schema: dict[str, Any], name: str, depth: int) -> str:
        fmt = schema.get("format")
        if fmt in ("binary", "byte"):
            return ""
        if fmt == "date-time":
            return iso(BASE_TIME - timedelta(minutes=self.rng.randint(0, 60 * 24 * 60)))
        if fmt == "date":
            return (BASE_TIME.date() - timedelta(days=self.rng.randint(0, 90))).isoformat()
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if fmt in ("uri", "url", "uri-reference", "iri"):
            value = self._pooled(self.faker.url)
        elif fmt == "email":
            value = self._pooled(self.faker.email)
        elif fmt == "hostname":
            value = self._pooled(self.faker.domain_name)
        elif fmt == "ipv4":
            value = self._pooled(self.faker.ipv4)
        elif "pattern" in schema:
            value = self.from_pattern(schema["pattern"])
        else:
            value = self._named_string(name)
        return self._fit_length(value, schema)

    def _named_string(self, name: str) -> str:
        for pattern, make in self._by_name:
            if pattern.search(name):
                return str(self._pooled(make))
        return str(self._pooled(self._words))

    def _words(self) -> str:
        return " ".join(self.faker.words(3))

    def _pooled(self, make: Callable[[], Any]) -> Any:
        """Faker is slow (a URL costs ~0.2 ms); a seeded pool per kind of value keeps thousands of fixture
        records fast to generate and still varied."""
        pool = self._pools.get(make)
        if pool is None:
            pool = self._pools[make] = [make() for _ in range(POOL_SIZE)]
        return self.rng.choice(pool)

    def _fit_length(self, value: str, schema: dict[str, Any]) -> str:
        lo, hi = schema.get("minLength", 0), schema.get("maxLength")
        if hi is not None and len(value) > hi:
            value = value[:hi]
        if len(value) < lo:
            value = value + "x" * (lo - len(value))
        return value

    # -- regular expressions ----------------------------------------------------------------------------------
    def from_pattern(self, pattern: str) -> str:
        try:
            return self._emit(sre_parse.parse(pattern))
        except Exception:  # an exotic pattern: fall back to an empty match attempt
            return ""

    def _emit(self, parsed: Any) -> str:
        out = []
        for op, arg in parsed:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append(self.rng.choice(string.ascii_lowercase))
            elif name == "IN":
                out.append(self._pick_in(arg))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                lo, hi, sub = arg
                hi = min(hi, lo + 3) if hi != sre_parse.MAXREPEAT else lo + 3
                out.extend(self._emit(sub) for _ in range(self.rng.randint(lo, max(lo, hi))))
            elif name == "SUBPATTERN":
                out.append(self._emit(arg[-1]))
            elif name == "BRANCH":
                out.append(self._emit(self.rng.choice(arg[1])))
            elif name == "CATEGORY":
                out.append(self._category(arg))
            # AT (anchors) and others emit nothing
        return "".join(out)

    def _pick_in(self, items: Any) -> str:
        choices: list[str] = []
        negate = False
        for op, arg in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                choices.append(chr(arg))
            elif name == "RANGE":
                lo, hi = arg
                choices.extend(chr(c) for c in range(lo, min(hi, lo + 60) + 1))
            elif name == "CATEGORY":
                choices.append(self._category(arg))
        if negate:
            pool = [c for c in string.ascii_letters + string.digits if c not in choices]
            return self.rng.choice(pool)
        return self.rng.choice(choices) if choices else "a"

    def _category(self, arg: Any) -> str:
        name = str(arg)
        if "DIGIT" in name and "NOT" not in name:
            return self.rng.choice(string.digits)
        if "SPACE" in name and "NOT" not in name:
            return " "
        return self.rng.choice(string.ascii_lowercase)
