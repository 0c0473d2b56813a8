"""The servers' base paths. Clients join the base path and the operation path, so
moving every server to a new base path (`/api/v1` -> `/api/v2`) moves every URL,
which no per-operation rule sees. Hosts are left alone: clients configure them."""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from ..model import Change
from ..registry import SpecPair, change, spec_rule

_VARIABLE = re.compile(r"\{([^}/]*)\}")


def base_paths(doc: dict[str, Any]) -> set[str]:
    servers = doc.get("servers")
    if not isinstance(servers, list) or not servers:
        return {"/"}  # OpenAPI's default server is "/"
    out: set[str] = set()
    for server in servers:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        declared = server.get("variables")
        variables: dict[str, Any] = declared if isinstance(declared, dict) else {}
        url = _VARIABLE.sub(partial(_default, variables), server["url"])
        out.add("/" + urlsplit(url).path.strip("/"))
    return out or {"/"}


def _default(variables: dict[str, Any], match: re.Match[str]) -> str:
    spec = variables.get(match.group(1))
    return str(spec.get("default", "")) if isinstance(spec, dict) else match.group(0)


@spec_rule
def server_base_paths_changed(pair: SpecPair) -> Iterator[Change]:
    old, new = base_paths(pair.old.doc), base_paths(pair.new.doc)
    if old == new:
        return
    if not old & new:
        yield change(
            "server-base-path-changed", "servers",
            f"base path {', '.join(sorted(old))} replaced by {', '.join(sorted(new))}",
        )
        return
    for path in sorted(old - new):
        yield change("server-base-path-removed", "servers", f"base path {path} removed")
    for path in sorted(new - old):
        yield change("server-base-path-added", "servers", f"base path {path} added")
