"""The output folder (atomic writes, lock, state), the manifest, the page, the caption file."""
