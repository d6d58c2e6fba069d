"""Git facts and history of the scanned repository, read with its configuration, hooks,
attributes and filters neutralised (``info`` for the repository's facts, ``log`` for
history read once per run)."""
