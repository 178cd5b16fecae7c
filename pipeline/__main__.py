"""`python -m pipeline job.yaml` is the same as `render job.yaml`."""

from .apps.cli import main

main()
