"""``python -m desktop``: the same as the ``simbatch`` command."""

from desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
