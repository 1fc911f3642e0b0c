"""Writes of a survey round: the entry grid's save (entry) and rounds, progress and reminders (rounds)."""
