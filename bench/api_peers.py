"""bench/api.py's peers: installing Datasette and Platformatic DB into bench/peers/ and
starting every system (ours twice: uncached and cached) in its own process group."""

import json
import secrets
import shutil
import sys
from pathlib import Path

from api_config import DATABASE_URL, DATASETTE, PEERS, PLATFORMATIC, PORTS, ROOT, SERVERS, WORKERS, run
from procs import Server


def install_peers() -> None:
    venv = PEERS / "datasette"
    marker = venv / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(DATASETTE):
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", *DATASETTE])
        marker.write_text(" ".join(DATASETTE))
    node = PEERS / "platformatic"
    marker = node / ".installed"
    if not marker.exists() or marker.read_text() != PLATFORMATIC:
        shutil.rmtree(node, ignore_errors=True)
        node.mkdir(parents=True)
        (node / "package.json").write_text('{"name": "bench-platformatic", "private": true, "type": "module"}\n')
        run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PLATFORMATIC], cwd=node)
        marker.write_text(PLATFORMATIC)


DATASETTE_APP = """
import os
from datasette.app import Datasette

# Facet suggestions run a query per column on every table page: an API server turns them off.
app = Datasette(
    immutables=[os.environ["BENCH_SQLITE"]],
    settings={"default_page_size": 100, "suggest_facets": False, "allow_facet": False},
).app()
"""

PLATFORMATIC_CLUSTER = """
import cluster from 'node:cluster'

const workers = Number(process.env.BENCH_WORKERS || 2)
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork()
  cluster.on('exit', (worker, code) => { if (code) process.exit(code) })
} else {
  const { buildServer } = await import('@platformatic/db')
  const app = await buildServer(process.argv[2])
  await app.start()
}
"""


def start_systems(sqlite_path: Path | None, logs: Path, *, only: tuple[str, ...] | None = None) -> dict[str, Server]:
    """Start every system (or `only` these of the tracker's SERVERS, without the peers)."""
    if not only:
        (PEERS / "datasette" / "bench_datasette.py").write_text(DATASETTE_APP)
        node = PEERS / "platformatic"
        (node / "cluster.mjs").write_text(PLATFORMATIC_CLUSTER)
        (node / "platformatic.db.json").write_text(
            json.dumps(
                {
                    "server": {"hostname": "127.0.0.1", "port": PORTS["platformatic"], "logger": {"level": "warn"}},
                    "db": {"connectionString": DATABASE_URL, "graphql": False, "openapi": True},
                    "watch": False,
                }
            )
        )
    tracker_env = {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CONN_MAX_AGE": "600",
        "TRACKER_THROTTLE_ANON": "off",
        "TRACKER_THROTTLE_USER": "off",
    }
    systems = {}
    try:
        for name in only or SERVERS:
            systems[name] = Server(
                name,
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{PORTS[name]}",
                 "--worker-class", "sync", "--timeout", "180", "--log-level", "warning"],
                url=f"http://127.0.0.1:{PORTS[name]}/healthz",
                env={**tracker_env, "TRACKER_RESPONSE_CACHE_SECONDS": "300" if name == "tracker-cached" else "0"},
                cwd=ROOT, log=logs / f"{name}.log",
            )  # fmt: skip
        if only:
            for system in systems.values():
                system.wait_ready()
            return systems
        systems["datasette"] = Server(
            "datasette",
            [str(PEERS / "datasette" / "bin" / "gunicorn"), "bench_datasette:app", "-w", str(WORKERS),
             "-k", "uvicorn.workers.UvicornWorker", "-b", f"127.0.0.1:{PORTS['datasette']}", "--log-level", "warning"],
            url=f"http://127.0.0.1:{PORTS['datasette']}/-/versions.json",
            env={"BENCH_SQLITE": str(sqlite_path)}, cwd=PEERS / "datasette", log=logs / "datasette.log",
        )  # fmt: skip
        systems["platformatic"] = Server(
            "platformatic",
            ["node", "cluster.mjs", "platformatic.db.json"],
            url=f"http://127.0.0.1:{PORTS['platformatic']}/trackerIncident/?limit=1",
            env={"BENCH_WORKERS": str(WORKERS)}, cwd=node, log=logs / "platformatic.log",
        )  # fmt: skip
        for system in systems.values():
            system.wait_ready()
    except BaseException:
        for system in systems.values():
            system.stop()
        raise
    return systems
