"""The only layer that calls several stages: units of work, up-to-date keys, executors."""
