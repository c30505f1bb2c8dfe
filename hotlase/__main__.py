"""``python -m hotlase ...`` is the ``hotlase`` command."""
from hotlase.jobs.cli import main

raise SystemExit(main())
