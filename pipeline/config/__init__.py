"""YAML in, typed records out: the job file, the brand kit, fonts and export presets."""
