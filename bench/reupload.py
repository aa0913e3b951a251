"""Issue 25's speed target for re-uploads that reconcile (make bench; bench/README.md).

    .venv/bin/python bench/reupload.py [--base REF] [--rounds N] [--runs N]

A 5,000-row file (bench/run.py's: ~6% bad rows, ~1% repeated, 0.5% people loaded already)
imported fresh, and the same file uploaded again at once (every valid row's person now loaded
at the location: "already loaded"), on this checkout's code and on the code of REF (default:
where this branch left main), side by side: rounds alternate between the two trees, each round
a process of its own (bench/reupload_worker.py) on one throwaway database. Targets: a fresh
import within 1.1x of the base's, and a re-upload costing no more than a fresh import.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py

from devsupport.recipientfiles import make_file  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    bench_upload,
    database_url,
    throwaway_database,
)

ROWS = 5000
LOADED = [
    (f"Existing{i}", "Person", f"1/{i % 28 + 1}/1970", f"existing{i}@example.com")
    for i in range(50)
]


def _export(ref: str, folder: Path) -> Path:
    """The tree of `ref`, as files (git archive: the repository is only read)."""
    tree = folder / "base"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref],  # noqa: S607 - git from the PATH
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)  # noqa: S607
    return tree


def _round(tree: Path, files: dict[str, Path], context: dict, runs: int) -> dict:
    out = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [sys.executable, str(ROOT / "bench" / "reupload_worker.py"), str(tree),
         str(files["data"]), str(files["people"]), context["pin"], context["email"],
         str(context["upload"]), str(runs)],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default_base = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],  # noqa: S607
        capture_output=True, text=True, check=False,
    ).stdout.strip() or "main"  # fmt: skip
    parser.add_argument("--base", default=default_base, help="the code to compare with")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per tree")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per round")
    parser.add_argument("--verbose", action="store_true", help="print every round's figures")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, throwaway_database("bench_reupload"):
        user = bench_manager("NCA659998")
        location = user.managed_locations.get()
        upload = bench_upload(location, user, "bench.csv")
        context = {"pin": location.pin, "email": user.email, "upload": upload.pk}
        files = {"data": Path(folder) / "bench.csv", "people": Path(folder) / "people.json"}
        files["data"].write_bytes(make_file(ROWS, seed=ROWS, existing=LOADED))
        files["people"].write_text(json.dumps(LOADED))
        trees = {"base": _export(args.base, Path(folder)), "this": ROOT}
        times: dict[str, dict[str, list[float]]] = {
            name: {"fresh": [], "again": []} for name in trees
        }
        print(f"Database: {sql.database()}; base {args.base[:12]}; {ROWS:,} rows")
        for n in range(args.rounds):
            # Alternate which goes first: a noisy neighbour hurts both alike.
            for name in list(trees)[:: 1 if n % 2 == 0 else -1]:
                figures = _round(trees[name], files, context, args.runs)
                if args.verbose:
                    print(name, json.dumps(figures))
                for kind in ("fresh", "again"):
                    times[name][kind] += figures[kind]
        median = {
            (name, kind): statistics.median(values)
            for name, kinds in times.items()
            for kind, values in kinds.items()
        }
        for name in trees:
            print(
                f"{name:5} fresh import {median[name, 'fresh']:.3f} s, "
                f"re-upload {median[name, 'again']:.3f} s "
                f"(medians of {len(times[name]['fresh'])} runs)"
            )
        fresh = median["this", "fresh"] / median["base", "fresh"]
        again = median["this", "again"] / median["this", "fresh"]
        print(f"fresh import: {fresh:.2f}x the base's (target <= 1.1x)")
        print(f"re-upload of the same file: {again:.2f}x a fresh import (target <= 1.0x)")


if __name__ == "__main__":
    main()
