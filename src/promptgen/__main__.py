"""``python -m promptgen`` runs the CLI."""

from promptgen.cli import main

main()
