"""`python -m bot` runs the healthbot command line."""

from bot.cli import main

raise SystemExit(main())
