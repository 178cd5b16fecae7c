"""The programs: the `render` CLI, the one place where errors become messages and exit codes."""
