"""`python -m etl` runs the htsd command line."""

from etl.cli import main

main(prog_name="htsd")
