"""Render a list of changes as text, markdown, json or junit."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from .model import Change, Level

LEVELS = (Level.ERR, Level.WARN, Level.INFO)


def _counts(changes: list[Change]) -> dict[Level, int]:
    counts = {level: 0 for level in LEVELS}
    for change in changes:
        counts[change.level] += 1
    return counts


def _summary(kept: list[Change], ignored: list[Change]) -> str:
    counts = _counts(kept)
    text = f"{len(kept)} changes: " + ", ".join(f"{counts[lv]} {lv.name}" for lv in LEVELS)
    return text + (f" ({len(ignored)} ignored)" if ignored else "")


def render_text(kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    if not kept:
        return "No changes." + (f" ({len(ignored)} ignored)" if ignored else "") + "\n"
    lines: list[str] = []
    for level in LEVELS:
        group = [c for c in kept if c.level == level]
        if not group:
            continue
        lines.append(f"{level.name} ({len(group)})")
        lines.extend(f"  {c.operation}  {c.id}  {c.message}" for c in group)
        lines.append("")
    lines.append(_summary(kept, ignored))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    counts = _counts(kept)
    lines = [
        "### OpenAPI contract changes",
        "",
        "| ERR | WARN | INFO | ignored |",
        "|---:|---:|---:|---:|",
        f"| {counts[Level.ERR]} | {counts[Level.WARN]} | {counts[Level.INFO]} | {len(ignored)} |",
        "",
    ]
    if not kept:
        lines.append("No changes to the contract.")
        return "\n".join(lines) + "\n"
    failing = sum(1 for c in kept if c.level >= fail_on)
    if failing:
        lines += [f"**{failing} change(s) at or above {fail_on.name}.**", ""]
    lines += ["| Level | Rule | Operation | Change |", "|---|---|---|---|"]
    for c in kept:
        lines.append(f"| {c.level.name} | `{c.id}` | `{_cell(c.operation)}` | {_cell(c.message)} |")
    return "\n".join(lines) + "\n"


def render_json(kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    return json.dumps([c.as_dict() for c in kept], indent=2, ensure_ascii=False) + "\n"


def render_junit(kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    failures = sum(1 for c in kept if c.level >= fail_on)
    cases: list[ET.Element] = []
    for c in kept:
        case = ET.Element("testcase", classname=c.operation, name=f"{c.id} {c.path}".strip())
        if c.level >= fail_on:
            failure = ET.SubElement(case, "failure", type=c.level.name, message=c.message)
            failure.text = f"{c.level.name} {c.id} {c.operation}: {c.message}"
        else:
            ET.SubElement(case, "system-out").text = f"{c.level.name}: {c.message}"
        cases.append(case)
    for c in ignored:
        case = ET.Element("testcase", classname=c.operation, name=f"{c.id} {c.path}".strip())
        ET.SubElement(case, "skipped", message=f"ignored {c.level.name}: {c.message}")
        cases.append(case)
    if not cases:  # some CI viewers treat an empty suite as an error
        cases.append(ET.Element("testcase", classname="openapi-diff", name="no contract changes"))
    attrs = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": str(len(ignored))}
    root = ET.Element("testsuites", {"name": "openapi-diff", **attrs})
    suite = ET.SubElement(root, "testsuite", {"name": "openapi-diff", **attrs})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_ANNOTATION = {Level.ERR: "error", Level.WARN: "warning", Level.INFO: "notice"}


def _escape(text: str, prop: bool = False) -> str:
    # GitHub's workflow-command encoding; properties also reserve ':' and ','.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render_githubactions(kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    """One workflow annotation per change: `::error title=ERR <rule id>::<operation>: <message>`."""
    lines = [
        f"::{_ANNOTATION[c.level]} title={_escape(f'{c.level.name} {c.id}', prop=True)}::"
        f"{_escape(f'{c.operation}: {c.message}')}"
        for c in kept
    ]
    return "".join(line + "\n" for line in lines)


RENDERERS: dict[str, Callable[[list[Change], list[Change], Level], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "junit": render_junit,
    "githubactions": render_githubactions,
}


def render(fmt: str, kept: list[Change], ignored: list[Change], fail_on: Level) -> str:
    return RENDERERS[fmt](kept, ignored, fail_on)
