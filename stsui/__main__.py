"""`python -m stsui`."""

from stsui.cli.main import main

raise SystemExit(main())
