"""Load on one URL with wrk: throughput, latency percentiles, errors, and the CPU the server
(and PostgreSQL) spent per request, over repeated runs after a warm-up (used by bench/api.py)."""

import re
import statistics
import subprocess
from dataclasses import dataclass, field

from procs import Server, named_cpu_seconds

WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Load:
    connections: int
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    cpu_ms_per_request: list[float] = field(default_factory=list)
    errors: int = 0

    def summary(self) -> dict:
        return {
            "connections": self.connections,
            "rps": round(statistics.median(self.rps), 1),
            "p50_ms": round(statistics.median(self.p50_ms), 2),
            "p99_ms": round(statistics.median(self.p99_ms), 2),
            "cpu_ms_per_request": round(statistics.median(self.cpu_ms_per_request), 3),
            "errors": self.errors,
            "runs": len(self.rps),
        }


def wrk(url: str, connections: int, seconds: int, headers: dict[str, str] | None = None) -> tuple[float, float, float, int, int]:
    """(req/s, p50 ms, p99 ms, requests, errors) of one wrk run."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(  # nosec B603 B607 - wrk from the Debian package
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-H", "Connection: close", *extra, url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return rps, latency["50"], latency["99"], requests, errors


def measure(server: Server, url: str, connections: int, seconds: int, repetitions: int, headers=None) -> Load:
    load = Load(connections)
    wrk(url, connections, max(1, seconds // 3), headers)  # warm-up: caches, connections, JIT
    for _ in range(repetitions):
        cpu0 = server.cpu_seconds() + named_cpu_seconds("postgres")
        rps, p50, p99, requests, errors = wrk(url, connections, seconds, headers)
        cpu = server.cpu_seconds() + named_cpu_seconds("postgres") - cpu0
        load.rps.append(rps)
        load.p50_ms.append(p50)
        load.p99_ms.append(p99)
        load.cpu_ms_per_request.append(1000 * cpu / max(requests, 1))
        load.errors += errors
    return load
