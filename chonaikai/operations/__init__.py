"""Running the system: backups and restores, login throttling and security-header helpers.

No models of its own; it serves the operator (management commands) and the templates (CSP nonce).
"""
