"""``python -m ehcp_nlp``: the same as the ``ehcp`` command."""

from ehcp_nlp.cli import main

main()
