"""Run plan2cal as ``python -m plan2cal``."""

from plan2cal.cli import main

main()
