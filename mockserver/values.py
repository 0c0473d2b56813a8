"""Value templates of the vocabulary (`$now`, `$generate`, `$toggle`, `{$copy}`, `{$band}`, `{$expr}`,
`{$calendar}`) and response templates
(`'{field}'` strings shaped from a record)."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

from contract import calendar_value, compiled

_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_.]*)\}$")
_PART = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def field_value(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def set_value(target: dict[str, Any], dotted: str, value: Any) -> None:
    """Put `value` at a dotted path of a body (`data.reports`), creating the objects on the way."""
    *parents, last = dotted.split(".")
    for part in parents:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[last] = value


def write_value(template: Any, record: dict[str, Any], name: str, now_iso: str, generate: Callable[[str], Any],
                env: dict[str, Any] | None = None) -> Any:
    """The value a field takes under `template` (fill, fail-fill, set)."""
    if template == "$now":
        return now_iso
    if template == "$generate":
        return generate(name)
    if template == "$toggle":
        return not bool(record.get(name))
    if isinstance(template, dict) and "$copy" in template:
        return field_value(record, template["$copy"])
    if isinstance(template, dict) and "$calendar" in template:
        # relative to the mock clock: seeding passes it as env["now"] (its now_iso is the fixture's own time)
        return calendar_value(template["$calendar"], (env or {}).get("now") or now_iso)
    if isinstance(template, dict) and "$expr" in template:
        return compiled(template["$expr"]).evaluate(env or {"body": {}, "query": {}, "path": {}, "record": record})
    if isinstance(template, dict) and "$band" in template:
        band = template["$band"]
        score = field_value(record, band["field"])
        for entry in band["bands"]:
            if score is not None and score <= entry["max"]:
                return copy_json(entry["value"])
        return copy_json(band["bands"][-1]["value"])
    return copy_json(template)


def apply_writes(writes: dict[str, Any], record: dict[str, Any], now_iso: str, generate: Callable[[str], Any],
                 env: dict[str, Any] | None = None) -> None:
    # $band and $copy read other fields, so plain values go first
    ordered = sorted(writes.items(), key=lambda kv: isinstance(kv[1], dict) and ("$band" in kv[1] or "$copy" in kv[1]))
    for name, template in ordered:
        record[name] = write_value(template, record, name, now_iso, generate, env)


def is_result(template: Any) -> bool:
    """Whether a fill template produces a job's result (empty until the job completes), not a fixed value."""
    if isinstance(template, str):
        return True
    return isinstance(template, dict) and not ("$copy" in template or "$expr" in template or "$calendar" in template)


def render_template(template: Any, record: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            return field_value(record, whole.group(1))
        return _PART.sub(lambda m: str(field_value(record, m.group(1))), template)
    if isinstance(template, dict):
        return {k: render_template(v, record) for k, v in template.items()}
    if isinstance(template, list):
        return [render_template(v, record) for v in template]
    return template


def overlay(body: Any, fields: dict[str, Any]) -> None:
    """Shape a documented body from a record (or figures) by field name, one level into `data`."""
    if not isinstance(body, dict):
        return
    for name in body:
        if name in fields:
            body[name] = copy_json(fields[name])
    if isinstance(body.get("data"), dict):
        overlay(body["data"], fields)


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data, several times faster than copy.deepcopy for this shape of data."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def to_json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON: orjson, about 6× faster than json on the mock's bodies; json for what orjson refuses
    (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
