"""Household counts in a survey round: opening rounds, the entry grid, submission and approval,
reminders, and the words for the plausibility flags (rules.check_count)."""
