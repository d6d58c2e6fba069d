"""Where a soft launch's share of users is set: rollout percentages in settings, flag
strategy files and code.

Settings are read line by line (`rollout: 15`, `ROLLOUT_PERCENT=15`, Unleash
`"rollout": "15"`), Python through its AST (assignments, keywords, dict entries and
environment-variable defaults). Each file's shares are kept between runs, so an unchanged
file is neither read nor parsed again.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from readiness.llmcalls.syntax import walk
from readiness.model import Evidence
from readiness.project.documents import excluded, may_be_evidence
from readiness.project.regexwords import from_word
from readiness.project.signals import query_name
from readiness.project.snapshot import Project, parse_python
from readiness.project.sourcetext import (
    case_blind_holds_any,
    gate_words,
    holds_any,
    lower_holds_any,
    split_lines,
)

from .code import JS, PY

_SETTINGS = (".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".env", ".properties")
_ASSIGN = re.compile(r"""(?P<key>[A-Za-z_][\w-]*)["']?\s*[:=]\s*["']?(?P<num>\d{1,3}(?:\.\d+)?)"""
                     r"""\s*(?P<pct>%)?(?![\w.])""")
_ROLLOUT_KEY = re.compile(r"rollout(percent(age)?|pct|share|fraction|ratio)?$")
_ROLLOUT_WORD = re.compile(r"roll[-_]*out", re.IGNORECASE)  # what _ROLLOUT_KEY needs
# The same on lowered ASCII text: a case-blind regex has no literal to skip to, and the
# text's "scroll" and "controller" let most big files through to it
_LOWER_ROLLOUT_WORD = re.compile(_ROLLOUT_WORD.pattern)
# Lower-case words one of which every rollout key or flag file contains (a cheap gate).
_GATE_WORDS = gate_words(("roll", "strateg", "feature_state", "featurestate",
                          "percentage_allocation", "unleash", "flagsmith", "launchdarkly",
                          "growthbook"))
_SHARE_KEYS = frozenset({"percentage", "percent", "percentageallocation", "coverage"})
# A flag service's file: one of these substrings, or one of these words, in any case.
_FLAG_FILE_PARTS = ("flexiblerollout", "gradualrollout", "feature_state", "featurestate",
                    "percentage_allocation")
_FLAG_FILE_NAMES = ("strategies", "unleash", "flagsmith", "launchdarkly", "growthbook", "rollout")
_FLAG_FILE = re.compile("|".join([*map(re.escape, _FLAG_FILE_PARTS),
                                  *(rf"\b{name}\b" for name in _FLAG_FILE_NAMES)]), re.IGNORECASE)
# The same on lowered ASCII text, an alternative at a time: the substrings, then each word by
# a regex starting with it and looking back for its boundary (a case-blind regex starting
# with \b is tried at every position of the text; these skip to their word).
_FLAG_FILE_WORDS = from_word(*_FLAG_FILE_NAMES)
_FLAG_FILE_LITERALS = (*_FLAG_FILE_PARTS, *_FLAG_FILE_NAMES)  # one is in every match
# In code, "strategies" and "rollout" are everyday words (crawl4ai's crawling strategies):
# a module is a flag service's only by its parts or a flag service's name.
_EVERYDAY = ("strategies", "rollout")
_FLAG_SERVICES = tuple(name for name in _FLAG_FILE_NAMES if name not in _EVERYDAY)
_FLAG_FILE_CODE_LITERALS = (*_FLAG_FILE_PARTS, *_FLAG_SERVICES)  # what counts in code
_FLAG_WORDS = ("rollout", "strategies", "feature", "percentage_allocation", "unleash",
               "flagsmith", "launchdarkly", "growthbook")  # one is in every _FLAG_FILE match
_MAX_SETTINGS_BYTES = 1024 * 1024
# Other projects' readiness plans (an example, a starter): a plan, not a rollout control.
_OTHER_PLANS = frozenset({"readiness.yaml", "readiness.yml"})
_READINESS_PLAN = re.compile(r"^adoption:\s*(#.*)?$", re.MULTILINE)


class Share(NamedTuple):
    """A share of users the first launch reaches, and where it is set."""

    fraction: float
    where: Evidence
    in_code: bool


def _value(key: str, number: str, sign: str | None) -> float | None:
    value = float(number)
    if key == "coverage" or (not sign and "." in number and value <= 1):
        fraction = value
    else:
        fraction = value / 100
    return fraction if 0 <= fraction <= 1 else None


def _setting_lines(text: str) -> Iterator[tuple[int, str, str, str | None]]:
    """(line, key, number, '%' or None) for `key: number` settings on each line."""
    for number, line in enumerate(split_lines(text), 1):
        for match in _ASSIGN.finditer(line):
            yield number, match.group("key"), match.group("num"), match.group("pct")


def _python_settings(tree: ast.Module) -> Iterator[tuple[int, str, str, str | None]]:
    """The same from Python: assignments, keywords, dict entries and env-variable defaults."""
    for node in walk(tree):  # (the expression contexts left out: none is looked at)
        pairs: list[tuple[ast.AST | None, ast.AST | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Call) and len(node.args) == 2 and isinstance(
                node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            # os.getenv("ROLLOUT_PERCENT", "10"): a named setting's default; not any call of
            # two arguments (local-deep-research's round(percentage, 1) was a 1% rollout)
            pairs = [(node.args[0], node.args[1])]
        for target, value in pairs:
            key, number = _name(target), _number(value)
            if key and number:
                yield getattr(value, "lineno", 1), key, number.rstrip("%"), (
                    "%" if number.endswith("%") else None)
        if isinstance(node, ast.keyword) and node.arg and (number := _number(node.value)):
            yield node.value.lineno, node.arg, number.rstrip("%"), (
                "%" if number.endswith("%") else None)


def _name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _number(node: ast.AST | None) -> str:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return ""
    text = str(node.value).strip()
    return text if re.fullmatch(r"\d{1,3}(\.\d+)?%?", text) else ""


# What `_shares` answers depends on besides the text: bump the version when its code changes.
_SHARES_QUERY = ("adoption.shares/3", _ASSIGN.pattern, _ROLLOUT_KEY.pattern,
                 _ROLLOUT_WORD.pattern, _GATE_WORDS, sorted(_SHARE_KEYS), _FLAG_FILE.pattern,
                 _READINESS_PLAN.pattern)


def shares_in_files(project: Project, skip: str | None) -> list[Share]:
    """Rollout percentages set in settings files, flag strategy files and code."""
    settings = _read_for_shares(project, skip)
    evidence = set(may_be_evidence(project, [rel for rel, s in settings.items() if s]))
    settings = {rel: s for rel, s in settings.items() if not s or rel in evidence}
    found = []
    for python in (True, False):
        files = [rel for rel in settings if rel.endswith(PY) is python]
        rows = project.facts(files, *_query(python))
        for rel, shares in rows.items():
            if shares is None:
                project.note_skipped(rel, "Python that does not parse")
                continue
            found += [Share(fraction, Evidence(rel, number, "rollout share"), not settings[rel])
                      for number, fraction in shares]
    return sorted(set(found), key=lambda s: (s.where.path, s.where.line or 0))


def shares_later(project: Project, skip: str | None) -> None:
    """Have the worker processes scan the code for rollout shares in their idle moments
    (``Project.facts_later``): the check asks only once the audience is judged, after the
    call-site index, and on a large application the workers have nothing to do while the
    index resolves its calls (skyvern: 3 s). Settings files are few and wait for the
    check (which of them may be evidence is a scan of its own)."""
    if project.sends_later:  # else there is nothing to send, and no list to make
        project.facts_later([rel for rel in _read_for_shares(project, skip)
                             if rel.endswith(PY)], *_query(True))


def _query(python: bool) -> tuple[str, Callable[[str], tuple[tuple[int, float], ...] | None]]:
    """The per-file query of the shares in code (``python``) or in other files."""
    return query_name(*_SHARES_QUERY, python), functools.partial(_shares, python=python)


def _read_for_shares(project: Project, skip: str | None) -> dict[str, bool]:
    """The files whose text may set a rollout share, each with whether it is a settings
    file (those also need to be evidence, ``may_be_evidence``): code, settings, ``.env``.
    Worked out once a run (asked by ``shares_later`` and the check: Home Assistant's 36,488
    files, 0.03 s)."""
    return project.shared(f"adoption.share-files:{skip}", lambda p: _share_files(p, skip))


def _share_files(project: Project, skip: str | None) -> dict[str, bool]:
    settings: dict[str, bool] = {}
    translation = project.translation
    for rel in project.files:
        base = rel.rsplit("/", 1)[-1]
        setting = rel.endswith(_SETTINGS) or base.startswith(".env")
        if (not (setting or rel.endswith(PY + JS)) or rel == skip or translation(rel)
                or rel in project.generated
                or excluded(rel) or base in _OTHER_PLANS
                or project.size(rel) > _MAX_SETTINGS_BYTES):
            continue
        settings[rel] = setting
    return settings


def _flag_file(lowered: str, python: bool) -> bool:
    """Does ``_FLAG_FILE`` match the ASCII text of which this is the lowered copy (in code,
    without its everyday words)?"""
    return holds_any(lowered, _FLAG_FILE_PARTS) or any(
        word.search(lowered) for name, word in zip(_FLAG_FILE_NAMES, _FLAG_FILE_WORDS,
                                                  strict=True)
        if not python or name in _FLAG_SERVICES)


def _flag_file_text(text: str, python: bool) -> bool:
    """``_FLAG_FILE`` on text that is not ASCII (case-blind), in code without its everyday
    words. The regex, tried at every position, reads 6 MB a second (skyvern's 353 files of
    non-ASCII text: 3.3 s), so it runs only where it can match (``case_blind_holds_any``;
    in code, a match of an everyday word alone does not count)."""
    if not case_blind_holds_any(text, _FLAG_FILE_CODE_LITERALS if python
                                else _FLAG_FILE_LITERALS):
        return False
    match = _FLAG_FILE.search(text)
    while match is not None:
        if not python or match.group(0).lower() not in _EVERYDAY:
            return True
        match = _FLAG_FILE.search(text, match.end())
    return False


def _shares(text: str, python: bool) -> tuple[tuple[int, float], ...] | None:
    """(line, fraction) of each rollout share one file sets; None: Python that does not parse."""
    if not lower_holds_any(text, _GATE_WORDS):
        return ()  # no key here can be a rollout share, and no flag file: nothing to parse
    lowered = text.lower()
    if "adoption:" in text and _READINESS_PLAN.search(text) and re.search(
            r"^version:", text, re.MULTILINE):
        return ()
    # Each case-blind search runs only where a word it needs is ("roll" alone lets in every
    # "controller"). The words are looked for in the lowered text, which is exact on ASCII
    # text only: case-blind matching knows more letters than str.lower (the Kelvin sign
    # is a k), so other text is searched whole.
    plain = text.isascii()
    flag_file = (_flag_file_text(text, python) if not plain else
                 holds_any(lowered, _FLAG_WORDS) and _flag_file(lowered, python))
    rollout = ("roll" in lowered and _LOWER_ROLLOUT_WORD.search(lowered) is not None
               if plain else _ROLLOUT_WORD.search(text) is not None)
    if not flag_file and not rollout:
        return ()
    tree = parse_python(text) if python else None
    if python and tree is None:
        return None
    found = []
    for number, raw_key, value, sign in _python_settings(tree) if tree else _setting_lines(text):
        key = re.sub(r"[-_]", "", raw_key.lower())
        if _ROLLOUT_KEY.search(key) or (flag_file and key in _SHARE_KEYS):
            fraction = _value(key, value, sign)
            if fraction is not None:
                found.append((number, fraction))
    return tuple(found)
