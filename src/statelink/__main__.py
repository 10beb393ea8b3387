"""``python -m statelink``: the command line."""

from statelink.cli import main

main()
