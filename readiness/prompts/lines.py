"""What prompts and model settings look like in text (for eval-freshness).

A changed line (added or removed, comments blanked) shows a prompt or a model setting when
it is a prompt or model-setting line (``"role": "system"``, ``SystemMessage(``, ``*_PROMPT
=``, ``model=``, ``temperature=``, a model name literal). Other changed lines count when
they fall inside a prompt region of the file as the commit left it: a prompt assignment
(``EXTRACT_PROMPT = \"\"\"...\"\"\"``), a message dict, a prompt-template call, a model
keyword argument (Python, from the AST); a prompt template literal (JavaScript); an indented
block under a prompt key (YAML). The same patterns tell which files of the working tree can
hold prompts or model settings at all (``code_marks``, ``config_marks``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from readiness.git.log import Hunk
from readiness.project import signals
from readiness.project.regexwords import from_word
from readiness.project.signals import Lang
from readiness.project.snapshot import Gate, parse_python
from readiness.project.sourcetext import gate_words, holds_any

PROMPTS, MODEL = "prompts", "model settings"

_MODEL_NAME = (r"(?:gpt-[0-9][\w.-]*|chatgpt-[\w.-]+|claude-[\w.-]+|gemini-[\w.-]+|"
               r"mistral-[\w.-]+|mixtral-[\w.-]+|llama-?[0-9][\w.:-]*|command-r[\w.+-]*|"
               r"deepseek-[\w.-]+|text-davinci-[\w-]+)")
_QUOTED_MODEL = re.compile(rf"""["'`]{_MODEL_NAME}|["'`]o[1-9](?:-mini|-pro|-preview)?["'`]""")
_QUOTED_O_MODEL = re.compile(r"""["'`]o[1-9](?:-mini|-pro|-preview)?["'`]""")
_BARE_MODEL = re.compile(rf"(?<![\w-]){_MODEL_NAME}")
# The kinds of prompt line, each with the words it cannot match without: a whole file is
# searched only for the kinds whose words it has (the ``\w*prompt`` kind backtracks through
# every word, and most files that say "system" or "role" say no "prompt").
_PROMPT_LINE_KINDS = (
    (("role",), r"""["']?role["']?\s*:\s*["'](?:system|developer)["']"""),
    (("SystemMessage", "PromptTemplate"),
     r"""\b(?:SystemMessage|SystemMessagePromptTemplate|HumanMessagePromptTemplate|"""
     r"""ChatPromptTemplate|PromptTemplate|FewShotPromptTemplate|"""
     r"""FewShotChatMessagePromptTemplate)\b"""),
    (("prompt", "PROMPT", "Prompt"),
     r"""\b\w*(?:prompt|PROMPT|Prompt)(?!_?tokens?\b|_?Tokens?\b)\w*\s*(?::[^=\n]{1,40})?=(?!=)"""),
    (("system", "instructions"), r"""\b(?:system|instructions)\s*[:=]\s*(?:f|r)?["'`]"""),
)
_PROMPT_LINE = re.compile("|".join(pattern for _, pattern in _PROMPT_LINE_KINDS))


# What a whole file is searched with to know whether it holds a system message (a system or
# developer role, a prompt template) or a prompt line (``code_marks``): the same yes or no
# as ``\b``-led regexes and each kind of _PROMPT_LINE_KINDS, each search starting with a
# literal (the optional quote before "role" changes no answer; skyvern's 419 files of code:
# the one system-message regex took 0.5 s)
_ROLE = re.compile(r"""role["']?\s*:\s*["'](?:system|developer)["']""")
_STRONG_SEARCHES = (_ROLE, *from_word("SystemMessage", "ChatPromptTemplate", "PromptTemplate"))
_PROMPT_LINE_GATED: tuple[tuple[tuple[str, ...], tuple[re.Pattern[str], ...]], ...] = (
    (_PROMPT_LINE_KINDS[0][0], (_ROLE,)),
    (_PROMPT_LINE_KINDS[1][0], from_word(
        "SystemMessage", "SystemMessagePromptTemplate", "HumanMessagePromptTemplate",
        "ChatPromptTemplate", "PromptTemplate", "FewShotPromptTemplate",
        "FewShotChatMessagePromptTemplate")),
    (_PROMPT_LINE_KINDS[2][0], (re.compile(_PROMPT_LINE_KINDS[2][1]),)),
    (_PROMPT_LINE_KINDS[3][0], from_word("system", "instructions",
                                          then=r"""\s*[:=]\s*(?:f|r)?["'`]""")),
)
_MODEL_KEYS = (r"model|model_name|model_id|deployment_name|temperature|top_p|top_k|max_tokens|"
               r"max_output_tokens|max_completion_tokens|frequency_penalty|presence_penalty|"
               r"reasoning_effort|maxTokens|topP|modelName")
_MODEL_LINE = re.compile(rf"""(?<![\w.])["']?(?:{_MODEL_KEYS})["']?\s*[:=](?!=)|"""
                         r"\b[A-Z_]*MODEL[A-Z_]*\s*(?::[^=\n]{1,40})?=(?!=)")
_QUOTED_MODEL_SETTING = re.compile(r"""(?i)\b\w*model\w*["']?\s*[:=]\s*f?["']""")
_CONFIG_MODEL_LINE = re.compile(
    rf"""^\s*(?:-\s+)?["']?(?:{_MODEL_KEYS}|provider|providers|engine)["']?\s*[:=]""")
_CONFIG_PROMPT_KEY = re.compile(
    r"""^(?P<indent>\s*)(?:-\s+)?["']?(?:\w*prompts?\w*|system|instructions|template|"""
    r"""messages)["']?\s*:""", re.IGNORECASE)
_CONFIG_PROMPT_SETTING = re.compile(
    r"(?im)^\s*[\"']?(?:system_prompt|prompts?|instructions)[\"']?\s*:")


class Role(NamedTuple):
    """How a candidate file's changes are judged."""

    kind: str  # "prompt": any change counts; "code" or "config": hunks are judged
    lang: Lang | None = None
    llm: bool = False  # the file talks to a model: every model-setting key counts
    prompt_module: bool = False  # under a prompts/ folder: every string assignment counts


# ---- which files of the working tree can hold prompts or model settings --------------------

# Words without which the regular expressions below cannot match: checked first, because a
# substring test is far cheaper than a regular expression over every file of a big repository.
_STRONG_WORDS = ("role", "SystemMessage", "PromptTemplate")
_MODEL_WORDS = ("gpt-", "claude-", "gemini-", "mistral-", "mixtral-", "llama", "command-r",
                "deepseek-", "text-davinci-")
_PROMPT_WORDS = ("role", "System", "system", "prompt", "Prompt", "PROMPT", "instructions")
_QUOTED_O = gate_words(("'o", '"o', "`o"))  # what _QUOTED_O_MODEL starts with (at every quote)
_ANY_WORDS = gate_words(_STRONG_WORDS + _MODEL_WORDS + _PROMPT_WORDS)
# a text with none of these words gives (False, False) (``code_marks``: a ``Project.facts``
# gate, so that the scanning process answers such files itself)
CODE_GATE = Gate((_ANY_WORDS + _QUOTED_O,), (False, False))


def code_marks(text: str, lang: Lang) -> tuple[bool, bool]:
    """(talks to a model, has a prompt line) for the text of a Python or JavaScript file,
    comments blanked: a system message, a model name literal; a prompt assignment."""
    if not (holds_any(text, _ANY_WORDS)
            or (holds_any(text, _QUOTED_O) and _QUOTED_O_MODEL.search(text))):
        # Blanking only turns characters into spaces, and none of these words or the quoted
        # o-model pattern holds a space: absent from the text, absent from its code.
        return False, False
    code = signals.blank_comments(text, lang)

    def in_code(words: tuple[str, ...]) -> bool:
        # absent from the text (for a kept text, a look-up in its pass), absent from its code
        return holds_any(text, words) and holds_any(code, words)

    llm = bool((in_code(_STRONG_WORDS) and any(p.search(code) for p in _STRONG_SEARCHES))
               or (in_code(_MODEL_WORDS) and _QUOTED_MODEL.search(code))
               or (in_code(_QUOTED_O) and _QUOTED_O_MODEL.search(code)))
    return llm, any(in_code(words) and any(p.search(code) for p in patterns)
                    for words, patterns in _PROMPT_LINE_GATED)


def config_marks(text: str, keep: bool) -> bool:
    """Does a config file's text (comments blanked unless ``keep``) name a model or set a
    prompt key?"""
    code = signals.blank_comments(text, Lang.CONFIG, keep)
    return bool(_BARE_MODEL.search(code)) or bool(_CONFIG_PROMPT_SETTING.search(code))


def has_system_prompt(text: str) -> bool:
    """A system message or a prompt template in the text (comments included)."""
    return any(pattern.search(text) for pattern in _STRONG_SEARCHES)


# ---- prompt regions of one version of a file -----------------------------------------------

_PROMPT_NAME = re.compile(r"(?i)prompt(?!_?tokens?$)|instruction|system_?(?:message|msg)|"
                          r"template")
_MODEL_NAME_VAR = re.compile(r"(?i)(?:^|_)(?:model|model_name|model_id|temperature|top_p|"
                             r"max_tokens)$")
_PROMPT_CALLS = frozenset({"SystemMessage", "HumanMessage", "AIMessage", "ChatPromptTemplate",
                           "PromptTemplate", "SystemMessagePromptTemplate",
                           "HumanMessagePromptTemplate", "FewShotPromptTemplate",
                           "FewShotChatMessagePromptTemplate", "from_template",
                           "from_messages"})
_PROMPT_KEYWORDS = frozenset({"system", "instructions", "system_prompt", "system_instruction",
                              "messages", "prompt", "template"})
_MODEL_KEYWORDS = frozenset(_MODEL_KEYS.split("|")) | {"seed", "stop", "response_format"}

Region = tuple[int, int, str]  # first line, last line, kind


def regions(text: str, role: Role, hunks: Sequence[Hunk]) -> list[Region]:
    """The line ranges of prompts and model settings in one version of a file (in Python,
    only those around ``hunks``: walking every node of a big module costs milliseconds)."""
    if role.lang is Lang.PYTHON:
        tree = parse_python(text)
        return _python_regions(tree, role, hunks) if tree is not None else []
    if role.lang is Lang.JAVASCRIPT:
        return _js_regions(text)
    return _yaml_regions(text)


def _span(node: ast.expr | ast.stmt, kind: str) -> Region:
    return node.lineno, node.end_lineno or node.lineno, kind


def _has_text(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str)
               for n in ast.walk(node))


def _target_names(node: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t.id if isinstance(t, ast.Name) else t.attr for t in targets
            if isinstance(t, ast.Name | ast.Attribute)]


def _near(node: ast.AST, hunks: Sequence[Hunk]) -> bool:
    first = getattr(node, "lineno", None)
    if first is None:
        return True  # arguments, comprehensions: look inside
    last = getattr(node, "end_lineno", None) or first
    return any(overlaps(h, (first, last, "")) for h in hunks)


def _python_regions(tree: ast.Module, role: Role, hunks: Sequence[Hunk]) -> list[Region]:
    found: list[Region] = []
    stack: list[ast.AST] = [n for n in tree.body if _near(n, hunks)]
    while stack:
        node = stack.pop()
        stack.extend(n for n in ast.iter_child_nodes(node) if _near(n, hunks))
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            names = _target_names(node)
            if _has_text(node.value) and (role.prompt_module or any(
                    _PROMPT_NAME.search(n) for n in names)):
                found.append(_span(node, PROMPTS))
            elif role.llm and any(_MODEL_NAME_VAR.search(n) for n in names):
                found.append(_span(node, MODEL))
        elif isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "role" for k in node.keys):
            found.append(_span(node, PROMPTS))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in _PROMPT_CALLS:
                found.append(_span(node, PROMPTS))
            for kw in node.keywords:
                if kw.arg in _PROMPT_KEYWORDS and _has_text(kw.value):
                    found.append(_span(kw.value, PROMPTS))
                elif role.llm and kw.arg in _MODEL_KEYWORDS:
                    found.append(_span(kw.value, MODEL))
    return found


_JS_PROMPT = re.compile(r"(?:\b\w*(?:prompt|Prompt|PROMPT)\w*|\bsystem|\binstructions)"
                        r"\s*(?::\s*[\w<>\[\]]+\s*)?[=:]\s*`")


def _js_regions(text: str) -> list[Region]:
    found: list[Region] = []
    for match in _JS_PROMPT.finditer(text):
        end = match.end()
        while end < len(text) and text[end] != "`":
            end += 2 if text[end] == "\\" else 1
        first = text.count("\n", 0, match.start()) + 1
        found.append((first, first + text.count("\n", match.start(), end), PROMPTS))
    return found


def _yaml_regions(text: str) -> list[Region]:
    found: list[Region] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        match = _CONFIG_PROMPT_KEY.match(line)
        if not match:
            continue
        indent, last = len(match.group("indent")), number
        for later in range(number, len(lines)):
            body = lines[later]
            if body.strip() and len(body) - len(body.lstrip()) <= indent:
                break
            last = later + 1
        found.append((number, last, PROMPTS))
    return found


# ---- judging one diff hunk -----------------------------------------------------------------


# Words of which every match of a pattern below holds one, in any case (re.IGNORECASE also
# takes the letters of _FOLD for s and i). Comments are only blanked or cut off, never joined
# up, so a line without any of these words (and without a quoted o-series model) shows nothing.
_LINE_WORDS = ("role", "system", "prompt", "instructions", "template", "messages", "model",
               "gpt-", "claude-", "gemini-", "mistral-", "mixtral-", "llama", "command-r",
               "deepseek-", "text-davinci-", "deployment_name", "temperature", "top_p",
               "top_k", "max_", "maxtokens", "topp", "frequency_penalty", "presence_penalty",
               "reasoning_effort", "provider", "engine")
_FOLD = str.maketrans({"\u017f": "s", "\u0131": "i", "\u0130": "i"})


def _may_show(raw: str) -> bool:
    low = (raw if raw.isascii() else raw.translate(_FOLD)).lower()
    return holds_any(low, _LINE_WORDS) or _QUOTED_O_MODEL.search(raw) is not None


def line_kinds(lines: Iterable[str], role: Role) -> set[str]:
    """What changed lines show directly: prompts, model settings, or nothing."""
    kinds: set[str] = set()
    for raw in lines:
        if not _may_show(raw):
            continue
        line = _without_comment(raw, role)
        if not line.strip():
            continue
        if role.kind == "config":
            if _CONFIG_MODEL_LINE.search(line) or _BARE_MODEL.search(line):
                kinds.add(MODEL)
            if _CONFIG_PROMPT_KEY.match(line):
                kinds.add(PROMPTS)
            continue
        if _PROMPT_LINE.search(line):
            kinds.add(PROMPTS)
        if _QUOTED_MODEL.search(line) or _QUOTED_MODEL_SETTING.search(line) or (
                role.llm and _MODEL_LINE.search(line)):
            kinds.add(MODEL)
    return kinds


def _without_comment(line: str, role: Role) -> str:
    if role.lang in (Lang.PYTHON, Lang.JAVASCRIPT):
        return signals.blank_comments(line, role.lang)
    return re.sub(r"(?:^|\s)#.*$", "", line)


def overlaps(hunk: Hunk, region: Region) -> bool:
    """Does the hunk touch the region? (A pure deletion lies between two lines.)"""
    first, last, _ = region
    if hunk.size == 0:  # a pure deletion between lines start and start + 1
        return first <= hunk.start < last
    return hunk.start <= last and hunk.start + hunk.size - 1 >= first
