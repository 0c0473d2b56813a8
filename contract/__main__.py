"""`python -m contract provenance SPEC… [--operation ID]`: what the contracts' docs state and what they assume.

Prints, per spec, the documented / assumed / unclassified counts of every node kind (spec/README.md, "Provenance")
as a Markdown table; with `--operation`, every node of that operation with its pointer into the docs or its
reason. Exits 1 when a node has neither marker, 2 with one line on bad input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ._contract import Contract
from ._declarations import DeclarationError
from ._document import load_yaml
from ._provenance import Node


def _counts(name: str, contract: Contract) -> list[str]:
    rows = [f"### {name}", "", "| kind | documented | assumed | unclassified |", "|---|---:|---:|---:|"]
    for kind, c in contract.provenance.counts().items():
        if c.documented or c.assumed or c.unclassified:
            rows.append(f"| {kind} | {c.documented} | {c.assumed} | {c.unclassified} |")
    return rows + [""]


def _node(node: Node) -> str:
    where = " ".join(part for part in (node.where, node.pointer, node.keyword) if part)
    prov = node.provenance
    said = f"{prov.label}: {prov.text}" if prov else "UNCLASSIFIED"
    return f"- {node.kind} {where}".rstrip() + f" — {said}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contract", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("provenance", help="documented vs assumed nodes per kind")
    report.add_argument("specs", nargs="+", type=Path)
    report.add_argument("--operation", help="list every node of this operationId")
    args = parser.parse_args(argv)
    lines: list[str] = []
    unclassified = 0
    for spec in args.specs:
        try:
            raw = load_yaml(spec)
            if not isinstance(raw, dict) or "openapi" not in raw:
                raise ValueError("not an OpenAPI document")
            contract = Contract.load(spec)
        except (OSError, ValueError, yaml.YAMLError, DeclarationError) as exc:
            print(f"python -m contract: cannot read {spec}: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        unclassified += len(contract.provenance.unclassified())
        if args.operation is None:
            lines += _counts(spec.name, contract)
            continue
        if args.operation not in contract.ops:
            print(f"python -m contract: {spec.name} has no operation {args.operation!r}", file=sys.stderr)
            return 2
        lines += [f"### {spec.name}: {contract.label(args.operation)}", ""]
        lines += [_node(n) for n in contract.provenance.nodes if n.operation == args.operation] + [""]
    print("\n".join(lines).rstrip())
    return 1 if unclassified else 0


if __name__ == "__main__":
    sys.exit(main())
