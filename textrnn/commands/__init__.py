"""The work behind each CLI subcommand, as plain functions (the typer shell is textrnn/cli/)."""
