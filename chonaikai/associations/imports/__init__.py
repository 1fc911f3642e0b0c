"""Counts files: reading and checking a workbook or CSV (importer), the stored uploads and their
import (services), the import and export pages, and the checks a file passes before any reader."""
