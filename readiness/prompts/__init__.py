"""Prompts in the scanned code: the files that hold them (``files``), the lines that are
prompt text (``lines``) and when each last changed in git history (``history``)."""
