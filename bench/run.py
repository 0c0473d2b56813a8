"""`make bench`: our mock against Prism and against the language's limit (bench/bare.py), on one spec and one
request mix, plus start-up and memory on the largest document of the OpenAPI corpus, the time of a full
conformance run and of a diff of two full copies of the spec.

Servers: ours, Prism (installed into bench/.work by npm) and bare (a bare ASGI app answering one constant JSON body
on uvicorn + httptools + uvloop, no routing); every figure is also given as a ratio to bare. Every server runs
pinned to one core and the load generator (wrk, a Debian package) to the other, so each server gets the same share
of this 2-core machine. Rounds alternate the servers; each round starts every server afresh (timing its start-up to
the first answer), warms it up, loads it, reads its peak memory and stops it; a few more alternating starts add
start-up samples. The figures go to bench/results.md; its "History" section keeps one line per run.

    python bench/run.py [--rounds 3] [--duration 10] [--startups 4] [--note "what changed"]
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
RESULTS = BENCH / "results.md"
SPEC = ROOT / "spec" / "openapi.yaml"
CORPUS = ROOT / "tests" / "mockserver" / "openapi_corpus"
PY = sys.executable
PRISM_VERSION = "5.16.0"
PRISM = WORK / "node_modules" / ".bin" / "prism"
SERVER_CPU, LOAD_CPU = "1", "0"
CONNECTIONS = 32
TOKEN, UNKNOWN_TOKEN = "rk_test_team_a", "rk_unknown_token"
HISTORY = "## History"

# One request per line: method, path under the API's base, token, JSON body. Mostly reads; the dispatch is one
# without a tight throttle (credits are topped up before every load), the poll reads a seeded record, the
# unknown token is the authenticated error.
MIX = [
    ("GET", "/projects", TOKEN, ""),
    ("GET", "/projects/1", TOKEN, ""),
    ("GET", "/tracking-projects", TOKEN, ""),
    ("GET", "/tracking-projects/1", TOKEN, ""),
    ("GET", "/projects/1/articles?page=1&per_page=20", TOKEN, ""),
    ("GET", "/articles/1", TOKEN, ""),
    ("POST", "/content-optimizer/analyze", TOKEN, '{"keyword":"crm software","url":"https://example.com/crm"}'),
    ("GET", "/content-optimizer/1", TOKEN, ""),
    ("GET", "/projects", UNKNOWN_TOKEN, ""),
    ("GET", "/projects/1/keywords", TOKEN, ""),
]


class BenchError(Exception):
    """A step the benchmark cannot do on this machine: reported in one line, exit 2."""


@dataclass
class Server:
    name: str
    argv: list[str]
    base: str  # the prefix the server answers the API under
    control: bool = False  # has our /__mock control API
    probe: str = "/projects"  # a GET under `base` that answers once the server is up
    startups: list[float] = field(default_factory=list)
    loads: list[dict] = field(default_factory=list)
    peak_kb: int = 0
    mix_statuses: list[int] = field(default_factory=list)


# -- tools ----------------------------------------------------------------------------------------------------

def ensure_prism() -> None:
    if PRISM.exists():
        return
    if not shutil.which("npm"):
        raise BenchError("npm is needed to install Prism (@stoplight/prism-cli); install node and npm")
    print(f"installing @stoplight/prism-cli@{PRISM_VERSION} into {WORK.relative_to(ROOT)}", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--loglevel=error",
                           f"@stoplight/prism-cli@{PRISM_VERSION}"], capture_output=True, text=True)
    if done.returncode != 0 or not PRISM.exists():
        raise BenchError(f"npm could not install Prism: {done.stderr.strip()[-500:]}")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get") or os.geteuid() != 0:
        raise BenchError("wrk is needed: install the Debian package wrk (apt-get install wrk) and run again")
    print("installing wrk (Debian package)", flush=True)
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(step)} failed: {done.stderr.strip()[-500:]}")
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- one server -----------------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, token: str = TOKEN, body: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        if body:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body.encode() or None, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start(server: Server, port: int, log) -> tuple[subprocess.Popen, float]:
    """Start the server pinned to its core; the start-up time runs until it answers a real request."""
    argv = ["taskset", "-c", SERVER_CPU] + [a.replace("{port}", str(port)) for a in server.argv]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    while True:
        try:
            request(port, "GET", f"{server.base}{server.probe}")
            return proc, time.perf_counter() - started
        except OSError:
            pass
        if proc.poll() is not None:
            raise BenchError(f"{server.name} exited with status {proc.returncode} before answering; see {log.name}")
        if time.perf_counter() - started > 120:
            stop(proc)
            raise BenchError(f"{server.name} did not answer within 120 s; see {log.name}")
        time.sleep(0.01)


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_peak_kb(pid: int) -> int:
    """VmHWM (peak resident set) summed over the process and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            total += next(int(line.split()[1]) for line in Path(f"/proc/{member}/status").read_text().splitlines()
                          if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process tree: unlike req/s, it does not depend on what else runs."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def top_up(server: Server, port: int) -> None:
    """Enough credits for every dispatch of a round (5 each), so the mix measures work, not 402s."""
    if server.control:
        status = request(port, "PUT", "/__mock/teams/team_a/credits", body='{"balance": 100000000}')
        if status != 200:
            raise BenchError(f"{server.name}: topping up credits answered {status}")


def write_mix(server: Server) -> Path:
    path = WORK / f"mix-{server.name}.tsv"
    path.write_text("".join(f"{m}\t{server.base}{p}\t{t}\t{b}\n" for m, p, t, b in MIX), encoding="utf-8")
    return path


def load(wrk: str, port: int, mix: Path, seconds: int) -> dict:
    argv = ["taskset", "-c", LOAD_CPU, wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
            "-s", str(BENCH / "mix.lua"), f"http://127.0.0.1:{port}", "--", str(mix)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise BenchError(f"wrk gave no result: {done.stdout[-300:]} {done.stderr[-300:]}")
    return json.loads(line[len("BENCH "):])


def one_round(server: Server, wrk: str, seconds: int, warmup: int, check_mix: bool) -> None:
    port = free_port()
    mix = write_mix(server)
    with open(WORK / f"{server.name}.log", "w") as log:
        proc, startup = start(server, port, log)
        try:
            server.startups.append(startup)
            if check_mix:
                top_up(server, port)
                server.mix_statuses = [request(port, m, server.base + p, t, b) for m, p, t, b in MIX]
            if warmup:
                top_up(server, port)
                load(wrk, port, mix, warmup)
            top_up(server, port)
            cpu = tree_cpu_seconds(proc.pid)
            result = load(wrk, port, mix, seconds)
            result["cpu_seconds"] = tree_cpu_seconds(proc.pid) - cpu
            server.loads.append(result)
            server.peak_kb = max(server.peak_kb, tree_peak_kb(proc.pid))
        finally:
            stop(proc)
    last = server.loads[-1]
    print(f"  {server.name:8} start-up {startup:5.2f}s  {last['requests'] / last['duration_us'] * 1e6:7.0f} req/s  "
          f"p50 {last['p50_us'] / 1000:6.1f} ms  p99 {last['p99_us'] / 1000:7.1f} ms  "
          f"{last['cpu_seconds'] * 1000 / max(1, last['requests']):.2f} ms CPU/req", flush=True)


def startup_only(server: Server) -> None:
    """One more start-up sample: start-up is a few seconds of one process, so other work on the machine sways
    it more than a 10-second load; more samples keep the median steady."""
    with open(WORK / f"{server.name}.log", "w") as log:
        proc, startup = start(server, free_port(), log)
        stop(proc)
    server.startups.append(startup)


# -- the other timings ----------------------------------------------------------------------------------------

def corpus_startups(samples: int) -> dict:
    """Start-up to the first answer and peak memory of ours and Prism on the largest corpus document."""
    sys.path.insert(0, str(ROOT))  # run as a script from bench/: the toolkit's packages are one level up
    from contract import SpecDocument

    document = max((p for p in CORPUS.rglob("*.yaml")), key=lambda p: p.stat().st_size)
    doc = SpecDocument.from_file(document)
    probe = next(op for op in doc.operations.values() if op.method == "get" and "{" not in op.path)
    servers = {
        "ours": Server("ours-corpus", [PY, "-m", "mockserver", "serve", "--spec", str(document), "--port", "{port}"],
                       doc.base_path, probe=probe.path),
        "prism": Server("prism-corpus", [str(PRISM), "mock", str(document), "-p", "{port}", "-v", "silent"],
                        "", probe=probe.path),  # Prism serves without the servers' base path
    }
    out = {}
    for name, server in servers.items():
        for _ in range(samples):
            with open(WORK / f"{server.name}.log", "w") as log:
                proc, startup = start(server, free_port(), log)
                server.peak_kb = max(server.peak_kb, tree_peak_kb(proc.pid))
                stop(proc)
            server.startups.append(startup)
        out[name] = (statistics.median(server.startups), server.peak_kb / 1024)
    return {"document": document.relative_to(ROOT).as_posix(), "servers": out}


def conformance_available() -> bool:
    return (ROOT / "conformance" / "__main__.py").exists()


def timed(argv: list[str], timeout: int) -> tuple[float, int | None, str]:
    """Wall time, exit status (None: stopped at `timeout`) and the end of what the command said."""
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return float(timeout), None, f"did not finish within {timeout} s"
    return time.perf_counter() - started, done.returncode, (done.stderr or done.stdout).strip()[-300:]


def outcome(code: int | None, tail: str) -> str:
    return tail if code is None else f"exit {code}: {tail}"


def conformance_run() -> dict:
    if not conformance_available():
        return {"available": False, "why": "`python -m conformance` does not exist in this tree yet"}
    seconds, code, tail = timed([PY, "-m", "conformance", "run", "--against-mock", "--spec", str(SPEC)], 300)
    if code not in (0, 1):  # 1: it ran and found violations; anything else: it could not run
        return {"available": False, "why": outcome(code, tail)}
    import suite  # bench/suite.py: the full and CI-sized runs at 0 and 100 ms of added latency

    return {"available": True, "seconds": seconds, "exit": code, "latency": suite.table(list(suite.RUNS))}


def spec_diff(repeat: int = 3) -> dict:
    copy = WORK / "openapi-copy.yaml"
    shutil.copyfile(SPEC, copy)
    module = ["conformance"] if conformance_available() else ["conformance.diff"]
    argv = [PY, "-m", *module, "diff", str(SPEC), str(copy)]
    runs = [timed(argv, 120) for _ in range(repeat)]
    failed = next((run for run in runs if run[1] != 0), None)
    if failed:
        return {"available": False, "why": outcome(failed[1], failed[2])}
    return {"available": True, "seconds": statistics.median(s for s, _, _ in runs), "command": " ".join(argv[1:])}


# -- report ---------------------------------------------------------------------------------------------------

def summary(server: Server) -> dict:
    rates = [l["requests"] / l["duration_us"] * 1e6 for l in server.loads]
    statuses: dict[str, int] = {}
    for l in server.loads:
        for status, n in l["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    total = sum(statuses.values()) or 1
    return {
        "startup": statistics.median(server.startups), "rps": statistics.median(rates), "rates": rates,
        "p50": statistics.median(l["p50_us"] for l in server.loads) / 1000,
        "p99": statistics.median(l["p99_us"] for l in server.loads) / 1000,
        "mem": server.peak_kb / 1024,
        "cpu_ms": statistics.median(l["cpu_seconds"] * 1000 / max(1, l["requests"]) for l in server.loads),
        "core": statistics.median(l["cpu_seconds"] / (l["duration_us"] / 1e6) for l in server.loads),
        "non2xx": {s: n / total for s, n in sorted(statuses.items()) if not s.startswith("2")},
        "errors": sum(l["socket_errors"] + l["timeouts"] for l in server.loads),
    }


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB memory, {system}"


def versions(wrk: str) -> str:
    from importlib.metadata import version

    prism = subprocess.run([str(PRISM), "--version"], capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    wrk_line = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"python {platform.python_version()}, connexion {version('connexion')}, uvicorn {version('uvicorn')}, "
            f"starlette {version('starlette')}, prism {prism} (node {node}), {' '.join(wrk_line.split()[:2])}")


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(servers: dict[str, Server], rounds: int, seconds: int, wrk: str, conf: dict, diff: dict,
           loadavg: tuple[str, str], corpus: dict) -> str:
    s = {name: summary(server) for name, server in servers.items()}
    ours, prism, bare = s["ours"], s["prism"], s["bare"]
    lines = [
        "# Benchmark: our mock, Prism and a bare ASGI app",
        "",
        f"Written by `make bench` (bench/run.py) on {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        f"- Machine: {machine()}.",
        f"- Versions: {versions(wrk)}.",
        "- Spec: `spec/openapi.yaml`. Servers: ours `python -m mockserver serve` (request logging off; validation, "
        "security, throttles and the ledger on), Prism `prism mock -v silent --errors false`, and bare "
        "`bench/bare.py`: one constant JSON answer on uvicorn + httptools + uvloop, no routing, the limit of the "
        "language and server stack. Every server's figures are also given as ratios to bare.",
        f"- Load: wrk `-t1 -c{CONNECTIONS} -d{seconds}s` with `bench/mix.lua` cycling {len(MIX)} requests (below), "
        f"{rounds} rounds alternating the servers, each round on a freshly started server after a warm-up. "
        f"Start-up is the median of {len(servers['ours'].startups)} alternating starts per server (the rounds' and "
        f"extra ones). "
        f"Every server is pinned to CPU {SERVER_CPU} and wrk to CPU {LOAD_CPU} (taskset): each server gets one "
        f"whole core, the load generator the other. Figures are medians over the rounds; memory is the highest "
        f"VmHWM of the server's process tree. CPU per request (user + system time of the server's process tree "
        f"over the load, divided by the requests) does not depend on what else runs on the machine; \"core used\" "
        f"is how much of its core the server got: below 1.00, something else took CPU time from it.",
        f"- Load average (1 min) of the machine: {loadavg[0]} before the run, {loadavg[1]} after it (the "
        f"benchmark itself adds about 2: a server and wrk).",
        "",
        "| server | start-up to first answer | req/s | p50 | p99 | CPU per request | core used | peak memory | "
        "non-2xx share | req/s per round |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in s.items():
        non2xx = ", ".join(f"{st}: {share:.0%}" for st, share in r["non2xx"].items()) or "none"
        if r["errors"]:
            non2xx += f"; {r['errors']} socket errors/timeouts"
        lines.append(f"| {name} | {r['startup']:.2f} s | {r['rps']:.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | "
                     f"{r['cpu_ms']:.2f} ms | {r['core']:.2f} | {r['mem']:.0f} MB | {non2xx} | "
                     f"{' / '.join(f'{x:.0f}' for x in r['rates'])} |")
    for label, mine, other in (("ours / Prism", ours, prism), ("ours / bare", ours, bare),
                               ("Prism / bare", prism, bare)):
        lines.append(f"| {label} | {ratio(mine['startup'], other['startup'])} | {ratio(mine['rps'], other['rps'])} | "
                     f"{ratio(mine['p50'], other['p50'])} | {ratio(mine['p99'], other['p99'])} | "
                     f"{ratio(mine['cpu_ms'], other['cpu_ms'])} | | {ratio(mine['mem'], other['mem'])} | | |")
    lines += [
        "",
        "## Targets",
        "",
        f"- Throughput ≥ 4× Prism: {ratio(ours['rps'], prism['rps'])}, {verdict(ours['rps'] >= 4 * prism['rps'])} "
        f"(per CPU second: {ratio(prism['cpu_ms'], ours['cpu_ms'])}).",
        f"- Throughput ≥ 0.3× bare: {ratio(ours['rps'], bare['rps'])}, {verdict(ours['rps'] >= 0.3 * bare['rps'])} "
        f"(per CPU second: {ratio(bare['cpu_ms'], ours['cpu_ms'])}).",
        f"- p99 ≤ 4× bare's: {ratio(ours['p99'], bare['p99'])}, {verdict(ours['p99'] <= 4 * bare['p99'])}.",
        f"- p99 ≤ 0.1× Prism's: {ratio(ours['p99'], prism['p99'])}, {verdict(ours['p99'] <= 0.1 * prism['p99'])}.",
        f"- Start-up ≤ Prism's: {ours['startup']:.2f} s vs {prism['startup']:.2f} s, "
        f"{verdict(ours['startup'] <= prism['startup'])}.",
        f"- Peak memory ≤ 0.5× Prism's: {ratio(ours['mem'], prism['mem'])}, "
        f"{verdict(ours['mem'] <= 0.5 * prism['mem'])}.",
    ]
    if conf["available"]:
        lines.append(f"- Full default conformance run against the mock ≤ 120 s: {conf['seconds']:.1f} s (exit "
                     f"{conf['exit']}), {verdict(conf['seconds'] <= 120)}.")
        lines += ["", "Conformance runs behind `conformance.proxy` adding latency to every request (goal: ≤ 1.5×):",
                  "", *conf["latency"], ""]
    else:
        lines.append(f"- Full default conformance run against the mock ≤ 120 s: not available ({conf['why']}).")
    if diff["available"]:
        lines.append(f"- Diff of two full copies of the spec ≤ 1 s: {diff['seconds']:.2f} s (`{diff['command']}`, "
                     f"whole process, median of 3), {verdict(diff['seconds'] <= 1)}.")
    else:
        lines.append(f"- Diff of two full copies of the spec ≤ 1 s: not available ({diff['why']}).")
    lines += ["", f"## Any document: the largest of the OpenAPI corpus (`{corpus['document']}`)", "",
              "Start-up to the first answer (median of the starts) and peak memory, each server started on the "
              "document alone.", "", "| server | start-up | peak memory |", "| --- | --- | --- |"]
    for name, (startup, mem) in corpus["servers"].items():
        lines.append(f"| {name} | {startup:.2f} s | {mem:.0f} MB |")
    ours_c, prism_c = corpus["servers"]["ours"], corpus["servers"]["prism"]
    lines.append(f"| ours / Prism | {ratio(ours_c[0], prism_c[0])} | {ratio(ours_c[1], prism_c[1])} |")
    lines += ["", "## The request mix", "", "| request | token | " + " | ".join(servers) + " |",
              "| --- | --- | " + " | ".join("---" for _ in servers) + " |"]
    for i, (method, path, token, _) in enumerate(MIX):
        answers = " | ".join(str(sv.mix_statuses[i]) for sv in servers.values())
        lines.append(f"| {method} {path} | {token} | {answers} |")
    lines += ["", "Prism does not know tokens: it answers any bearer token, so the unknown-token request is a "
              "2xx there. Prism serves the API without the `/api/v1` base path; ours under it; bare answers every "
              "request the same.", ""]
    return "\n".join(lines)


def history_line(servers: dict[str, Server], note: str) -> str:
    s = {name: summary(server) for name, server in servers.items()}
    ours, prism, bare = s["ours"], s["prism"], s["bare"]
    return (f"- {datetime.date.today()}: ours {ours['rps']:.0f} req/s, {ours['cpu_ms']:.2f} ms CPU/req, p99 "
            f"{ours['p99']:.1f} ms, start-up {ours['startup']:.2f} s, {ours['mem']:.0f} MB; Prism {prism['rps']:.0f} "
            f"req/s, {prism['cpu_ms']:.2f} ms CPU/req, p99 {prism['p99']:.1f} ms, {prism['startup']:.2f} s, "
            f"{prism['mem']:.0f} MB; bare {bare['rps']:.0f} req/s, p99 {bare['p99']:.1f} ms → "
            f"{ours['rps'] / prism['rps']:.1f}× Prism, {ours['rps'] / bare['rps']:.2f}× bare, p99 "
            f"{ours['p99'] / bare['p99']:.1f}× bare's" + (f". {note}" if note else ""))


def write_results(text: str, line: str) -> None:
    history = ""
    if RESULTS.exists():
        old = RESULTS.read_text(encoding="utf-8")
        if HISTORY in old:
            history = old[old.index(HISTORY) + len(HISTORY):].strip("\n")
    RESULTS.write_text(f"{text}\n{HISTORY}\n\n{(history + chr(10)) if history else ''}{line}\n", encoding="utf-8")


# -- main -----------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per server and round")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each round")
    parser.add_argument("--startups", type=int, default=4, help="start-up samples per server beyond the rounds'")
    parser.add_argument("--note", default="", help="said in the History line of this run")
    parser.add_argument("--skip-conformance", action="store_true", help="do not time the conformance run")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < 1 or args.warmup < 0 or args.startups < 0:
        parser.error("--rounds and --duration must be at least 1, --warmup and --startups at least 0")
    if os.cpu_count() and os.cpu_count() < 2:
        print("bench: needs 2 cores (one for the servers, one for wrk)", file=sys.stderr)
        return 2
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        ensure_prism()
        wrk = ensure_wrk()
        spec = str(SPEC)
        servers = {
            "ours": Server("ours", [PY, "-m", "mockserver", "serve", "--spec", spec, "--port", "{port}"], "/api/v1",
                           control=True),
            "prism": Server("prism", [str(PRISM), "mock", spec, "-p", "{port}", "-v", "silent", "--errors", "false"],
                            ""),
            "bare": Server("bare", [PY, str(BENCH / "bare.py"), "--port", "{port}"], "/api/v1"),
        }
        order = list(servers.values())
        load_before = loadavg()
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}", flush=True)
            shift = number % len(order)
            for server in order[shift:] + order[:shift]:
                one_round(server, wrk, args.duration, args.warmup, check_mix=number == 0)
        print(f"{args.startups} more start-ups each", flush=True)
        for number in range(args.startups):
            shift = number % len(order)
            for server in order[shift:] + order[:shift]:
                startup_only(server)
        for server in order:
            print(f"  {server.name:8} start-up " + " ".join(f"{s:.2f}" for s in server.startups), flush=True)
        print("start-up and memory on the largest corpus document", flush=True)
        corpus = corpus_startups(max(1, args.startups))
        print("timing the spec diff", flush=True)
        diff = spec_diff()
        if args.skip_conformance:
            conf = {"available": False, "why": "skipped (--skip-conformance)"}
        else:
            print("timing the conformance run", flush=True)
            conf = conformance_run()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    text = render(servers, args.rounds, args.duration, wrk, conf, diff, (load_before, loadavg()), corpus)
    write_results(text, history_line(servers, args.note))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
