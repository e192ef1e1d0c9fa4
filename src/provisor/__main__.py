"""``python -m provisor`` = the ``provisor`` command."""

from provisor.cli import main

main()
