"""The read-only snapshot of the scanned repository and its per-file facts: the file walk
and texts (``snapshot``), the facts store kept by content (``filefacts``, ``cache``), the
worker processes of a cold scan (``workers``) and source text (``sourcetext``).

The text searches (``signals``) and what they find: imports (``importscan``), LLM usage
(``llmusage``), LLM tracing (``llmtracing``) and environment settings (``envsettings``).

The config files: their index (``configfiles``) and one parser per format (``configyaml``,
``configjson``, ``configtoml``, ``hclscan``; ``configrows`` is the plain shape a parse is kept
in).

Checks take a ``Project``; it is re-exported here for them and for plugins.
"""

from __future__ import annotations

from readiness.project.snapshot import Project

__all__ = ["Project"]
