"""The ``open-connectors`` console script: the Rust command line (the repository's
``cli/`` crate) run through the native module, so there is one implementation.

``open-connectors --help`` lists the commands; they, their flags and their help come
from the core's operation table.
"""

from __future__ import annotations

import signal
import sys
from typing import List, Optional

from . import _native


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line with ``argv`` (default ``sys.argv``); returns its exit status."""
    args = list(sys.argv if argv is None else argv)
    args[:1] = ["open-connectors"]
    # The native side writes to the same file descriptors: nothing may be left behind.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        # Ctrl-C ends the command as it ends a native program (Python's handler would
        # wait for the native call to return).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except ValueError:  # not the main thread: keep Python's handler
        pass
    return _native.run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
