"""Every fact of every contract says where it comes from (spec/README.md, "Provenance"): each node is documented,
with a pointer into the docs that exists, or assumed, with a reason. Prints the counts per kind; fails on a node
with neither, on a node marked both ways, and on a pointer past the end of its seed. Also pins the facts the
docs state that the contract once had wrong."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from contract import PROVENANCE_KINDS, Contract

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "spec").glob("*.yaml"))
each_spec = pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
SOURCE = re.compile(r"^(00[0-4])(?: §[^,]+,)? l\. (\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*)")
SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds") if p.is_dir()),
             None)


def contract(spec: Path) -> Contract:
    return Contract.load(spec)


@each_spec
def test_every_node_is_documented_or_assumed(spec: Path) -> None:
    index = contract(spec).provenance
    counts = index.counts()
    print(f"\n{spec.name}: " + "; ".join(f"{kind} {c.documented} documented / {c.assumed} assumed"
                                         for kind, c in counts.items() if c.documented or c.assumed))
    assert set(counts) == set(PROVENANCE_KINDS)
    assert sum(c.documented + c.assumed for c in counts.values()) > 0
    missing = [f"{n.kind} {n.operation} {n.where} {n.pointer} {n.keyword}".rstrip() + f" (at {n.at})"
               for n in index.unclassified()]
    assert not missing, f"{len(missing)} nodes with neither x-mock-source nor x-mock-assumed:\n  " + \
        "\n  ".join(missing[:60])


@each_spec
def test_markers_are_well_formed(spec: Path) -> None:
    assert not contract(spec).provenance.problems


@each_spec
def test_every_source_points_at_lines_of_its_seed(spec: Path) -> None:
    sources = {n.provenance.text for n in contract(spec).provenance.nodes if n.provenance and n.provenance.documented}
    malformed = sorted(text for text in sources if not SOURCE.match(text))
    assert not malformed, "x-mock-source texts not of the form '<seed> §<section>, l. <lines>':\n  " + \
        "\n  ".join(malformed)
    if SEEDS is None:
        pytest.skip("shared/seeds is not beside this checkout")
    lengths = {p.name[:3]: len(p.read_text(encoding="utf-8").splitlines()) for p in SEEDS.glob("00*.txt")}
    beyond = []
    for text in sources:
        seed, lines = SOURCE.match(text).groups()
        last = max(int(n) for n in re.findall(r"\d+", lines))
        if last > lengths[seed]:
            beyond.append(f"{text} (the seed has {lengths[seed]} lines)")
    assert not beyond, "pointers past the end of their seed:\n  " + "\n  ".join(sorted(beyond))


def test_what_the_docs_state_is_documented_and_what_they_do_not_is_assumed() -> None:
    index = contract(ROOT / "spec" / "openapi.yaml").provenance
    assert index.declaration("generateTrackingProjectReport", "credits").text == "003 §Reports, l. 755"
    assert index.response_field("getReport", 200, "/markdown_content").documented
    assert index.response_field("generateTrackingProjectReport", 202, "/status_endpoint").documented
    assert not index.response_field("getTrackingProject", 200, "/data/name").documented, "'Detail mit KPIs' only"
    assert not index.status("getReport", 401).documented
    assert not index.constraint("listWikiPages", "query per_page", "", "maximum").documented
    assert index.constraint("createPromptCheckRun", "body", "/prompt", "maxLength").documented
    assert not index.declaration("generateArticle", "job").documented, "no states are documented for it"
    sting = contract(ROOT / "spec" / "sting.yaml").provenance
    assert not sting.operation("getQueueStatus").documented and sting.operation("getPublicQueueStatus").documented


def test_facts_the_contract_once_had_wrong() -> None:
    main = contract(ROOT / "spec" / "openapi.yaml")
    check = main.decls["createPromptCheckRun"].job
    assert "partial" in check.ends and "partial" in check.known_states, "003 l.111: completed | partial | failed"
    chat = main.decls["sendAgenticChatMessage"].job
    assert chat.states[:2] == ["waiting", "running"], "003 l.1212: the 202 answers waiting, then the agent resumes"
    sitemap = main.decls["createGroundingSitemapAudit"].credits
    assert sitemap.deferred.source == "record.total", "003 l.1256: the URL count after the parse"
    assert main.decls["generateTrackingProjectReport"].throttle.key == ("path.id",), "003 l.755: per project"
    for oid in ("listWikiPages", "getWikiPage", "searchWiki"):
        assert {} in main.ops[oid].spec["security"], f"{oid}: 003 l.1319 serves public pages without a token"
