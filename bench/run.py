"""``make bench``: every benchmark in one run; each writes its own bench/results/<name>.json."""

from __future__ import annotations

import subprocess
import sys

BENCHES = (
    ["-m", "bench.pipeline"],
    ["-m", "bench.matching_bench"],
    ["-m", "bench.intake_bench"],
    ["-m", "bench.notifications"],
    ["-m", "bench.feedback"],
    ["-m", "bench.e2e"],
)


def main() -> int:
    failures = 0
    for args in BENCHES:
        print(f"== {' '.join(args)}", flush=True)
        failures += subprocess.run([sys.executable, *args]).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
