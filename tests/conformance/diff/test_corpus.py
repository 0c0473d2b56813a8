"""Every corpus pair yields exactly the changes its expected.yaml lists.

Each expected entry names an id and a level; `operation` and `path`, when
given, must match one of the changes with that id too.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from conformance.diff import diff_documents
from conformance.diff.catalog import RULES

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _load(path: Path) -> object:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case: Path) -> None:
    expected = _load(case / "expected.yaml") or []
    changes = diff_documents(_load(case / "old.yaml"), _load(case / "new.yaml"))
    got = Counter((c.id, c.level.name) for c in changes)
    want = Counter((e["id"], e["level"]) for e in expected)
    shown = "\n".join(f"  {c.level.name} {c.id} {c.operation} | {c.message}" for c in changes)
    assert got == want, f"changes found:\n{shown}"
    for entry in expected:
        assert entry["id"] in RULES, f"{entry['id']} is not in the catalog"
        matching = [c for c in changes if c.id == entry["id"]]
        if "operation" in entry:
            assert any(c.operation == entry["operation"] for c in matching), shown
        if "path" in entry:
            assert any(c.path == entry["path"] for c in matching), shown


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_reversed_is_not_empty_when_forward_is_not(case: Path) -> None:
    # Undoing a change is itself a change: guards against rules that only look one way.
    forward = diff_documents(_load(case / "old.yaml"), _load(case / "new.yaml"))
    backward = diff_documents(_load(case / "new.yaml"), _load(case / "old.yaml"))
    assert bool(forward) == bool(backward)
