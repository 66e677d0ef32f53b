"""`python -m affectlab` runs the command line."""

from affectlab.cli import main

main()
