"""Rollout controls judged by what the code does (issue 20), beside the flag SDKs that
``launch.py`` knows by name:

- a flag evaluated for a user: a call such as PostHog's ``feature_enabled("new-ai",
  distinct_id)``, ``is_feature_enabled``, ``isFeatureEnabled``, or a project's own flag
  interface (``flags.is_enabled("assistant-v2", user)``), whose first argument is the flag's
  key (a string) and which is told who is asking (a second argument or a user keyword);
- stable-hash bucketing: a hash of something (the user id) taken modulo 100 and compared
  with a setting, the way a percentage rollout picks its users; the share is then the
  percent key under a ``rollout:`` section of a settings file.

A name alone (``posthog`` imported for product analytics, a function called ``rollout``)
is never a rollout control.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from readiness.llmcalls.syntax import walk
from readiness.model import Evidence
from readiness.project import Project
from readiness.project.configfiles import config_index
from readiness.project.snapshot import parse_python
from readiness.project.sourcetext import gate_words, holds_any

from .code import code_files
from .shares import Share

EVALUATIONS = frozenset({"feature_enabled", "is_feature_enabled", "isFeatureEnabled",
                         "get_feature_flag", "getFeatureFlag", "is_enabled", "isEnabled",
                         "flag_enabled", "is_flag_enabled", "variation", "is_on"})
_USER_KEYWORDS = frozenset({"distinct_id", "user", "user_id", "context", "actor", "identity",
                            "groups", "person_properties"})
_HASHES = frozenset({"md5", "sha1", "sha256", "sha512", "blake2b", "blake2s", "crc32", "adler32",
                     "hash", "murmurhash3_32", "xxh64", "xxh32", "digest", "hexdigest"})
_JS_EVALUATION = re.compile(r"\b(?:isFeatureEnabled|getFeatureFlag|isEnabled|variation)\(\s*"
                            r"['\"]([\w.:-]+)['\"]\s*,")
_SHARE_KEY = re.compile(r"(?i)(?:^|\.)rollout\w*\.(?:percent(?:age)?|pct|share|fraction)$")
# What a file must hold for either control to be in it: a flag evaluation with a string key,
# or a value taken modulo 100 (1000, 10000) beside a hash function. Most files hold neither
# and are not parsed ("%" alone is in every file that formats a string).
# A flag evaluated by name with a string first: ``is_enabled("new-ui"``. One regex per name,
# starting with the name and then looking back for its boundary (a regex starting with \b, or
# an alternation of names, is tried at every position of the text; these skip ahead).
_FLAG_CALLS = tuple((f"{name}(", re.compile(rf"{name}(?<=\b{name})\(\s*[rRbBuUfF]?['\"]"))
                    for name in sorted(EVALUATIONS))
_EVALUATION_CALLS = gate_words(call for call, _ in _FLAG_CALLS)
_MODULO = re.compile(r"%\s*(?:100|1000|10000)\b")
QUERY = "adoption.rollouts/3"
QUERY_JS = "adoption.rollouts.js/1"


class Control(NamedTuple):
    path: str
    line: int
    how: str  # "flag <key> evaluated per user", "hash bucketing against <setting>"


def controls(project: Project) -> list[Control]:
    """Flag evaluations and hash bucketing in code (tests excluded), in file order."""
    return project.shared("adoption.rollouts", _collect)


def _collect(project: Project) -> list[Control]:
    files = sorted(code_files(project))
    python = [f for f in files if f.endswith(".py")]
    script = [f for f in files if not f.endswith(".py")]
    found = []
    for query, group, read in ((QUERY, python, _python_controls),
                               (QUERY_JS, script, _script_controls)):
        for rel, rows in project.facts(group, query, read).items():
            found += [Control(rel, line, how) for line, how in rows]
    return sorted(found)


def _script_controls(text: str) -> list[tuple[int, str]]:
    """(line, how) of each flag evaluated per user in a JavaScript/TypeScript file."""
    return [(text.count("\n", 0, m.start()) + 1, f"flag {m.group(1)} evaluated per user")
            for m in _JS_EVALUATION.finditer(text)]


def _python_controls(text: str) -> list[tuple[int, str]]:
    """(line, how) of each rollout control in one Python file, from its syntax tree."""
    if not _worth_parsing(text):
        return []
    tree = parse_python(text)
    if tree is None:
        return []
    found = []
    hashed = {t.id for n in walk(tree) if isinstance(n, ast.Assign) and _hashes(n.value)
              for t in n.targets if isinstance(t, ast.Name)}
    for node in walk(tree):
        if isinstance(node, ast.Call):
            key = _evaluated_flag(node)
            if key:
                found.append((node.lineno, f"flag {key} evaluated per user"))
        elif isinstance(node, ast.Compare):
            setting = _bucketing(node, hashed)
            if setting:
                found.append((node.lineno, f"hash bucketing of the user against {setting}"))
    return found


def _worth_parsing(text: str) -> bool:
    if holds_any(text, _EVALUATION_CALLS) and any(
            call.search(text) for name, call in _FLAG_CALLS if name in text):
        return True
    return _MODULO.search(text) is not None and any(h in text for h in _HASHES)


def _evaluated_flag(node: ast.Call) -> str | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else ""
    if name not in EVALUATIONS or not node.args:
        return None
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value):
        return None
    if len(node.args) < 2 and not any(k.arg in _USER_KEYWORDS for k in node.keywords):
        return None
    return first.value


def _bucketing(node: ast.Compare, hashed: set[str]) -> str | None:
    """``hash(user) % 100 < settings.rollout.percent``: the setting's name (``hashed``:
    names assigned a hash in the module, ``digest = sha256(...).hexdigest()``)."""
    sides = [node.left, *node.comparators]
    bucket = next((s for s in sides if _hash_mod(s, hashed)), None)
    if bucket is None:
        return None
    other = [s for s in sides if s is not bucket]
    if not other or isinstance(other[0], ast.Constant):
        return None
    return ast.unparse(other[0])[:60]


def _hash_mod(node: ast.expr, hashed: set[str]) -> bool:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
            and isinstance(node.right, ast.Constant) and node.right.value in (100, 1000, 10000)):
        return False
    return _hashes(node.left) or any(isinstance(n, ast.Name) and n.id in hashed
                                     for n in walk(node.left))


def _hashes(node: ast.expr) -> bool:
    """Does the expression call a hash function (``sha256(...)``, ``zlib.crc32(...)``)?"""
    return any(isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Attribute) and n.func.attr in _HASHES)
        or (isinstance(n.func, ast.Name) and n.func.id in _HASHES)) for n in walk(node))


def settings_shares(project: Project, skip: str | None) -> list[Share]:
    """The percent under a ``rollout:`` section of a settings file, when code buckets users
    by a hash against a setting (else the section is only a plan)."""
    bucketing = [c for c in controls(project) if c.how.startswith("hash bucketing")]
    found = []
    for entry in config_index(project).find(_SHARE_KEY):
        if entry.path == skip or isinstance(entry.value, bool) or not isinstance(
                entry.value, (int, float)):
            continue
        value = float(entry.value)
        fraction = value if value <= 1 and entry.leaf.lower() in ("fraction", "share") \
            else value / 100
        if 0 <= fraction <= 1:
            found.append(Share(fraction, Evidence(entry.path, entry.line, "rollout share"),
                               bool(bucketing)))
    return found


def evaluation(project: Project) -> Evidence | None:
    """The first rollout control in code, as evidence."""
    found = controls(project)
    return Evidence(found[0].path, found[0].line, found[0].how) if found else None
