"""How a benchmark script starts: the project importable, Django set up on DATABASE_URL or on a
scratch SQLite file of the benchmark's own under bench/results/, and its command line.

Scripts run as `python bench/<name>.py`, so this folder is on the path: `import scratch`.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup(scratch: str | None = None) -> None:
    """Set Django up; `scratch`: the benchmark's SQLite file (bench/results/<scratch>.sqlite3)
    when DATABASE_URL is not set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if scratch:
        RESULTS.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{RESULTS / f'{scratch}.sqlite3'}")
    import django

    django.setup()


def parser(doc: str, **sizes: int) -> argparse.ArgumentParser:
    """A command line described by the docstring's first paragraph, with one integer option per
    keyword (`rows=100_000` gives --rows, default 100000)."""
    result = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    for name, default in sizes.items():
        result.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return result
