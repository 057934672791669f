"""Run every benchmark module (``bench_*.py``), each in its own interpreter, one after another.

    .venv/bin/python -m benchmarks

A module that fails does not stop the others; the exit status says whether all succeeded.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    folder = Path(__file__).resolve().parent
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(folder)]) if info.name.startswith("bench_")
    )
    failed = []
    for name in names:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=folder.parent, check=False)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
