"""`python -m readiness` is the same as the `readiness` command.

`python -m` puts the working directory first on ``sys.path``; run from the root of a
scanned repository, that would let its modules (a committed ``click/`` or ``yaml.py``) be
imported in place of ours. It is dropped before anything else is imported.
"""

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from readiness.cli import main  # noqa: E402 - after the working directory left sys.path

main(prog_name="readiness")
