"""Membership statistics as published: suppression of small areas (publication), the count
summaries behind the statistics (services) and the household-count workbooks (exporter)."""
