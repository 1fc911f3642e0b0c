"""Benchmarks that print figures: `.venv/bin/python -m bench.<name> --help`."""
