"""``python -m desktop``: the same as the ``simbatch`` command."""

import multiprocessing

from desktop.cli import main

if __name__ == "__main__":
    # In a bundle, the helper process (services/helper_process) starts this same program:
    # freeze_support runs the helper's work instead of the app there.
    multiprocessing.freeze_support()
    raise SystemExit(main())
