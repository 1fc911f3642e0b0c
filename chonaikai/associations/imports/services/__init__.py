"""Writes of the counts import: the one write of counts (counts, counts_fast), uploads, remembered columns."""
