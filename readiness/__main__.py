"""`python -m readiness` is the same as the `readiness` command."""

from readiness.cli import main

main(prog_name="readiness")
