"""Processes for benchmarks: CPU seconds read from /proc, starting servers and stopping them by
PID (their whole process group)."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (e.g. the PostgreSQL backend serving us), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(name, parent pid, process group) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, int(fields[1]), int(fields[2])


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds of every live process in a process group (a server and its workers)."""
    return sum(proc_cpu_seconds(pid) for pid in _pids() if (s := _stat(pid)) and s[2] == pgid)


def named_cpu_seconds(name: str) -> float:
    """CPU seconds of every live process called `name` (PostgreSQL's server and backends)."""
    return sum(proc_cpu_seconds(pid) for pid in _pids() if (s := _stat(pid)) and s[0] == name)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """A server started in its own process group, so that it and its workers are measured and
    stopped together by its PID."""

    def __init__(self, name: str, argv: list[str], *, url: str, env: dict | None = None, cwd: Path | None = None, log: Path):
        self.name, self.url, self.log = name, url, log
        self.handle = open(log, "wb")  # noqa: SIM115 - open while the server runs
        self.process = subprocess.Popen(  # nosec B603 - our own argv
            argv, env={**os.environ, **(env or {})}, cwd=cwd, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.pid = self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:  # nosec B310 - our own local URL
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer {self.url} within {timeout} s; see {self.log}")

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait()
        self.handle.close()
