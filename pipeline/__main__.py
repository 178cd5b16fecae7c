"""`python -m pipeline job.yaml` is the same as `render job.yaml`."""

from .cli import main

main()
