"""The conformance suite under latency: the full default run and the CI-sized run against the mock, directly
(0 ms) and behind conformance.proxy adding 100 ms to every request (latency in front of the server, not in a
handler), with the ratio. `make bench` includes it; alone: `python bench/suite.py [--only ci]`."""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.mockproc import MockProcess, mock_tokens  # noqa: E402
from conformance.proxy import Proxy, running  # noqa: E402

SPEC = ROOT / "spec" / "openapi.yaml"
RUNS = {"full": [], "ci": ["--max-examples", "1", "--phases", "examples", "fuzzing", "stateful"]}
LATENCIES_MS = (0, 100)
TIMEOUT = 1800


def one(kind: str, latency_ms: int) -> tuple[float, int | None]:
    tokens = mock_tokens(SPEC)
    with MockProcess(SPEC, "/api/v1", []) as mock:
        proxy = Proxy(mock.origin, latency_ms / 1000)
        with running(proxy) as origin:
            argv = [sys.executable, "-m", "conformance", "run", "--quiet", "--target", "mock",
                    "--base-url", origin + "/api/v1", "--token", tokens.team or "",
                    "--other-team-token", tokens.other or "", "--low-credit-token", tokens.low or "", *RUNS[kind]]
            started = time.perf_counter()
            try:
                done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                return float(TIMEOUT), None
            return time.perf_counter() - started, done.returncode


def table(kinds: list[str]) -> list[str]:
    lines = ["| run | 0 ms | 100 ms | ratio |", "|---|---:|---:|---:|"]
    for kind in kinds:
        times = {ms: one(kind, ms) for ms in LATENCIES_MS}
        cells = [f"{s:.1f} s (exit {code})" for s, code in times.values()]
        ratio = times[100][0] / times[0][0]
        lines.append(f"| {kind} | {cells[0]} | {cells[1]} | {ratio:.2f}× |")
        print(lines[-1], flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(RUNS), help="one of the runs")
    args = parser.parse_args()
    print("\n".join(table([args.only] if args.only else list(RUNS))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
