"""The register of associations: create, edit, dissolve and merge (pages, forms, reads and writes)."""
