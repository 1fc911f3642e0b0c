"""Measurements on a database that bench.generate has filled; run by bench.run, one process per database.

    .venv/bin/python -m bench.measure --database-url URL --size city|nationwide [--out FILE]
    .venv/bin/python -m bench.measure --database-url URL import-child FILE YYYY-MM-DD  (one import; its peak memory)
    .venv/bin/python -m bench.measure --database-url URL import-command-child FILE YYYY-MM-DD  (the same through
        `manage.py import_counts`, the page's path: upload record, stored file, services)
    .venv/bin/python -m bench.measure --database-url URL --only grid  (one section's figures alone:
        imports, stats, api, maps, grid or backup)

Prints (or writes to --out) one JSON object per figure: key, label, value, unit, target, and where a
baseline was measured in the same run its name and ratio. Times are medians of several runs taken
after one warm-up, wall clock, in this process (no network); web pages through Django's test client.
"""
