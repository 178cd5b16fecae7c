"""What every stage shares about this machine: child processes, cache folders, file hashes."""
