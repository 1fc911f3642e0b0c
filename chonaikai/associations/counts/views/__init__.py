"""The counts pages: survey rounds (rounds) and the entry grid (grid)."""
