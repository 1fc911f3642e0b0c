"""`python -m bench.measure`: every section, or one with --only (see bench/measure/__init__.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bench.measure.common import FIGURES, figure, setup
from bench.measure.grid import measure_grid
from bench.measure.imports import (
    import_child,
    import_command_child,
    measure_imports_city,
    measure_imports_nationwide,
)
from bench.measure.stats import measure_stats
from bench.measure.web import measure_api, measure_maps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--size", choices=["city", "nationwide"], default="city")
    parser.add_argument("--out")
    parser.add_argument(
        "--only",
        choices=["imports", "stats", "api", "maps", "grid", "backup"],
        help="measure one section (on a database bench.generate filled and kept, to re-take a figure)",
    )
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    setup(args.database_url)
    if args.command[:1] == ["import-child"]:
        import_child(Path(args.command[1]), dt.date.fromisoformat(args.command[2]))
        return
    if args.command[:1] == ["import-command-child"]:
        import_command_child(Path(args.command[1]), dt.date.fromisoformat(args.command[2]))
        return
    from django.db import connection

    print(f"measuring {args.size} on {connection.vendor}", file=sys.stderr)
    sections = {
        "stats": lambda: measure_stats(args.size),
        "api": lambda: measure_api(args.size),
        "maps": lambda: measure_maps(args.size),
    }
    if args.size == "city":
        sections["grid"] = lambda: measure_grid(args.size)
        sections = {"imports": measure_imports_city, **sections}
    elif connection.vendor == "postgresql":
        sections = {"imports": lambda: measure_imports_nationwide(args.database_url), **sections}
    from bench.bench_backup import measure_backup

    sections["backup"] = lambda: measure_backup(args.database_url, args.size)
    sections = [section for name, section in sections.items() if args.only in (None, name)]
    for section in sections:
        try:
            section()
        except Exception as e:  # one broken section must not lose the other sections' figures
            import traceback

            traceback.print_exc()
            figure("error", f"a section failed: {type(e).__name__}: {e}"[:120], float("inf"), "", 0)
    text = "\n".join(json.dumps(f, ensure_ascii=False) for f in FIGURES)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
