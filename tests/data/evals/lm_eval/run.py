"""Run lm_eval's own CLI with the deterministic "table" model registered first."""
import sys

sys.path.insert(0, ".")
import table_model  # noqa: E402, F401, I001  (registers the "table" model)
from lm_eval.__main__ import cli_evaluate  # noqa: E402

cli_evaluate()
