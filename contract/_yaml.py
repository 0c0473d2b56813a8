"""YAML documents parsed once per content: the parsed form is kept as JSON under the user's cache directory,
keyed by the text's SHA-256. A 26k-line spec takes ~0.35 s to parse with libyaml and ~0.03 s to read back,
which the mock's start-up and the differ (two specs per run) both feel. Documents JSON cannot hold exactly
(dates, non-string keys) are never cached."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rankion-contract-toolkit" / "yaml"


def parse_yaml(text: str) -> Any:
    """Raises yaml.YAMLError on invalid text, as yaml.load does."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = cache_dir() / f"{digest}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    data = yaml.load(text, Loader=_Loader)
    if json_native(data):
        _store(cached, json.dumps(data, separators=(",", ":")))
        return json.loads(json.dumps(data))  # compact: the parser's node graph leaves memory it cannot give back
    return data


def _store(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as fh:
            fh.write(text)
        os.replace(fh.name, path)
    except OSError:
        pass  # a read-only home only costs the speed-up


def json_native(node: Any) -> bool:
    if isinstance(node, dict):
        return all(isinstance(k, str) and json_native(v) for k, v in node.items())
    if isinstance(node, list):
        return all(json_native(v) for v in node)
    return node is None or isinstance(node, (str, int, float, bool))
