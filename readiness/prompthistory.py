"""The last change to prompts or model settings in git history (for eval-freshness).

How a prompt or model-setting change is told apart from any other edit: one streamed
``git log -p -U0`` over the files that can hold prompts (prompt files, LLM code, model
config), newest commit first, stopping at the first commit that qualifies. A prompt file
qualifies on any content change. In code and config, a diff hunk qualifies when a changed
line (added or removed, comments blanked) is a prompt or model-setting line (``"role":
"system"``, ``SystemMessage(``, ``*_PROMPT =``, ``model=``, ``temperature=``, a model name
literal), or when the changed lines fall inside a prompt region of the file as that commit
left it: a prompt assignment (``EXTRACT_PROMPT = \"\"\"...\"\"\"``), a message dict, a
prompt-template call, a model keyword argument (Python, from the AST); a prompt template
literal (JavaScript); an indented block under a prompt key (YAML). Those versions are read
lazily through one ``git cat-file --batch``. An edit elsewhere in the same module does not
count, and neither do tests, docs, READMEs or dev-assistant prompts under hidden folders.
"""

from __future__ import annotations

import ast
import codecs
import datetime
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, NamedTuple

from readiness import evalset, signals
from readiness.config import CONFIG_NAME, Config
from readiness.evals.discover import EVAL_FOLDERS
from readiness.project import Project, parse_python
from readiness.signals import Lang

PROMPTS, MODEL = "prompts", "model settings"


# ---- which files can hold prompts or model settings ----------------------------------------

_PROMPT_DIRS = frozenset({"prompts", "prompt", "prompt_templates", "prompt-templates"})
_PROMPT_SUFFIXES = (".prompt", ".prompty", ".prompt.md", ".prompt.yaml", ".prompt.yml",
                    ".prompt.txt", ".prompt.json")
_TEMPLATE_SUFFIXES = (".jinja", ".jinja2", ".j2", ".tmpl", ".mustache", ".hbs")
_TEXT_SUFFIXES = (".txt", ".md", ".yaml", ".yml", ".json", ".toml", ".xml")
_PROMPT_WORD = re.compile(r"(?<![a-z])prompts?(?![a-z])")  # not promptfooconfig
_NOT_PROMPT = re.compile(r"^(readme|changelog|license|contributing|__init__)\b", re.IGNORECASE)
_SKIP_DIRS = frozenset({"docs", "doc", "vendor", "third_party", "node_modules"})
_LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock",
                        "poetry.lock", "pnpm-lock.yaml", "yarn.lock", "uv.lock"})
_DATA_SUFFIXES = (".json", ".jsonl", ".csv", ".tsv")
_CONFIG_NAME = re.compile(r"config|settings|prompt|model|llm|agent")
_LIKELY_OUTPUT = re.compile(r"result|output|report", re.IGNORECASE)
STRONG = re.compile(r"""["']?role["']?\s*:\s*["'](?:system|developer)["']|"""
                     r"\b(?:SystemMessage|ChatPromptTemplate|PromptTemplate)\b")

_MODEL_NAME = (r"(?:gpt-[0-9][\w.-]*|chatgpt-[\w.-]+|claude-[\w.-]+|gemini-[\w.-]+|"
               r"mistral-[\w.-]+|mixtral-[\w.-]+|llama-?[0-9][\w.:-]*|command-r[\w.+-]*|"
               r"deepseek-[\w.-]+|text-davinci-[\w-]+)")
_QUOTED_MODEL = re.compile(rf"""["'`]{_MODEL_NAME}|["'`]o[1-9](?:-mini|-pro|-preview)?["'`]""")
_BARE_MODEL = re.compile(rf"(?<![\w-]){_MODEL_NAME}")
_PROMPT_LINE = re.compile(
    r"""["']?role["']?\s*:\s*["'](?:system|developer)["']|"""
    r"""\b(?:SystemMessage|SystemMessagePromptTemplate|HumanMessagePromptTemplate|"""
    r"""ChatPromptTemplate|PromptTemplate|FewShotPromptTemplate|"""
    r"""FewShotChatMessagePromptTemplate)\b|"""
    r"""\b\w*(?:prompt|PROMPT|Prompt)(?!_?tokens?\b|_?Tokens?\b)\w*\s*(?::[^=\n]{1,40})?=(?!=)|"""
    r"""\b(?:system|instructions)\s*[:=]\s*(?:f|r)?["'`]""")
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


class Role(NamedTuple):
    """How a candidate file's changes are judged."""

    kind: str  # "prompt": any change counts; "code" or "config": hunks are judged
    lang: Lang | None = None
    llm: bool = False  # the file talks to a model: every model-setting key counts
    prompt_module: bool = False  # under a prompts/ folder: every string assignment counts


def _skipped_path(rel: str) -> bool:
    parts = rel.split("/")
    return (signals.is_test_path(rel) or any(p.startswith(".") for p in parts[:-1])
            or any(p.lower() in _SKIP_DIRS for p in parts[:-1]))


def _in_prompt_dir(rel: str) -> bool:
    return any(p.lower() in _PROMPT_DIRS for p in rel.split("/")[:-1])


def _is_prompt_file(rel: str, mentioned: str) -> bool:
    name = rel.rpartition("/")[2].lower()
    if _NOT_PROMPT.match(name) or signals.language(rel) in (Lang.PYTHON, Lang.JAVASCRIPT):
        return False
    if name.endswith(_PROMPT_SUFFIXES):
        return True
    textual = name.endswith(_TEXT_SUFFIXES + _TEMPLATE_SUFFIXES)
    if textual and (_in_prompt_dir(rel) or _PROMPT_WORD.search(name.rpartition(".")[0])):
        return True
    # A Jinja template is a prompt when the LLM code names it (HTML pages are not).
    return (name.endswith(_TEMPLATE_SUFFIXES) and ".htm" not in name
            and rel.rpartition("/")[2] in mentioned)


def candidates(project: Project, config: Config) -> dict[str, Role]:
    """Files that can hold prompts or model settings, with how to judge their changes."""
    return project.shared("prompthistory.candidates", lambda p: _find_candidates(p, config))


def _find_candidates(project: Project, config: Config) -> dict[str, Role]:
    llm_files = signals.llm_files(project)
    evals = frozenset(eval_files(project, config))
    mentioned = ""
    if any(f.endswith(_TEMPLATE_SUFFIXES) for f in project.files):
        mentioned = "\n".join(project.text(f) or "" for f in sorted(llm_files))
    found: dict[str, Role] = {}
    for rel in project.files:
        if _skipped_path(rel) or rel in evals:
            continue
        if _is_prompt_file(rel, mentioned):
            found[rel] = Role("prompt")
    for src in signals.sources(project):
        rel = src.path
        if rel in found or rel in evals or _skipped_path(rel):
            continue
        if src.lang in (Lang.PYTHON, Lang.JAVASCRIPT):
            code = src.code
            llm = rel in llm_files or bool(
                (_has(code, _STRONG_WORDS) and STRONG.search(code))
                or (_has(code, _MODEL_WORDS) and _QUOTED_MODEL.search(code))
                or _QUOTED_O_MODEL.search(code))
            if llm or _in_prompt_dir(rel) or (_has(code, _PROMPT_WORDS)
                                              and _PROMPT_LINE.search(code)):
                found[rel] = Role("code", src.lang, llm, _in_prompt_dir(rel))
        elif src.lang is Lang.CONFIG and _config_candidate(project, rel, src.code):
            found[rel] = Role("config", Lang.CONFIG, True)
    return dict(sorted(found.items()))


# Words without which the regular expressions above cannot match: checked first, because a
# substring test is far cheaper than a regular expression over every file of a big repository.
_STRONG_WORDS = ("role", "SystemMessage", "PromptTemplate")
_MODEL_WORDS = ("gpt-", "claude-", "gemini-", "mistral-", "mixtral-", "llama", "command-r",
                "deepseek-", "text-davinci-")
_PROMPT_WORDS = ("role", "System", "system", "prompt", "Prompt", "PROMPT", "instructions")
_QUOTED_O_MODEL = re.compile(r"""["'`]o[1-9](?:-mini|-pro|-preview)?["'`]""")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def _config_candidate(project: Project, rel: str, text: str) -> bool:
    parts = rel.split("/")
    name = parts[-1].lower()
    if name in _LOCKFILES or rel == CONFIG_NAME or project.size(rel) > 1024 * 1024:
        return False  # readiness.yaml plans with model names (prices, cheaper_model)
    if name.endswith(".json") and not _CONFIG_NAME.search(name):
        return False  # JSON is mostly data: logs, fixtures, exports
    if name.startswith("promptfooconfig"):
        return True
    if name.endswith(_DATA_SUFFIXES) and ({p.lower() for p in parts[:-1]} & EVAL_FOLDERS
                                          or _LIKELY_OUTPUT.search(name)):
        return False  # eval data sets and results mention models without setting them
    return bool(_BARE_MODEL.search(text)) or bool(
        re.search(r"(?im)^\s*[\"']?(?:system_prompt|prompts?|instructions)[\"']?\s*:", text))


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
    return any(_overlaps(h, (first, last, "")) for h in hunks)


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


class Hunk(NamedTuple):
    start: int  # first line in the new version (after which lines were removed, if size 0)
    size: int  # lines in the new version
    lines: tuple[str, ...]  # the changed lines without their +/- marker


def line_kinds(lines: Iterable[str], role: Role) -> set[str]:
    """What changed lines show directly: prompts, model settings, or nothing."""
    kinds: set[str] = set()
    for raw in lines:
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


def _overlaps(hunk: Hunk, region: Region) -> bool:
    first, last, _ = region
    if hunk.size == 0:  # a pure deletion between lines start and start + 1
        return first <= hunk.start < last
    return hunk.start <= last and hunk.start + hunk.size - 1 >= first


# ---- the last prompt or model-setting change in git history --------------------------------


class Change(NamedTuple):
    """The newest commit that changed prompts or model settings."""

    commit: str
    date: datetime.datetime
    kinds: frozenset[str]
    files: tuple[tuple[str, int], ...]  # (path, first changed line in that commit's version)
    at_most: bool = False  # a shallow clone's oldest commit: the change is this old or older

    @property
    def label(self) -> str:
        return " and ".join(k for k in (PROMPTS, MODEL) if k in self.kinds)

    def where(self) -> str:
        more = f" and {len(self.files) - 1} more" if len(self.files) > 1 else ""
        return f"{self.commit[:7]} {self.files[0][0]}{more}"


class History(NamedTuple):
    """What git could tell: the last change (None if none was found), or why it cannot."""

    change: Change | None
    problem: str | None = None


def last_prompt_change(project: Project, config: Config) -> History:
    """The newest prompt or model-setting change in the history, computed once per run."""
    return project.shared("prompthistory.last_change",
                          lambda p: _read_last_change(p, config))


def _read_last_change(project: Project, config: Config) -> History:
    facts = project.git
    if facts is None or shutil.which("git") is None:
        return History(None, "not a git repository")
    if facts.commit is None:
        return History(None, "the git repository has no commits yet")
    files = candidates(project, config)
    if not files:
        return History(None)
    prefix = project.root.relative_to(facts.top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    with _Blobs(project, prefix) as blobs:
        return _scan(project, files, blobs, shallow_commits(project))


# The user's git config must not change the output parsed here.
_GIT = ("git", "--literal-pathspecs", "-c", "core.quotepath=false", "-c", "log.showSignature=false",
        "-c", "log.showRoot=true", "-c", "log.follow=false", "-c", "diff.relative=false")


def _scan(project: Project, files: dict[str, Role], blobs: _Blobs,
          boundary: frozenset[str]) -> History:
    """Walk the history newest first and stop at the first qualifying commit."""
    argv = [*_GIT, "log", "--format=%x00commit %H %cI", "-p", "-U0", "--no-color",
            "--no-ext-diff", "--no-textconv", "--no-renames", "--relative",
            "--src-prefix=a/", "--dst-prefix=b/", "--", *files]
    try:
        proc = subprocess.Popen(argv, cwd=project.root, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    except OSError as exc:
        return History(None, f"git cannot run ({exc.strerror})")
    with proc:
        assert proc.stdout is not None
        try:
            for sha, date, diffs in _commits(proc.stdout):
                found = _judge_commit(sha, diffs, files, blobs)
                if found is not None:
                    proc.kill()
                    kinds, where = found
                    return History(Change(sha, date, kinds, where, sha in boundary))
        except (ValueError, IndexError):
            proc.kill()
            return History(None, "git log output could not be read")
    if proc.returncode != 0:
        return History(None, "git log failed")
    return History(None)


def _judge_commit(sha: str, diffs: dict[str, list[Hunk]], files: dict[str, Role],
                  blobs: _Blobs) -> tuple[frozenset[str], tuple[tuple[str, int], ...]] | None:
    kinds: set[str] = set()
    where: list[tuple[str, int]] = []
    for path, hunks in sorted(diffs.items()):
        role = files.get(path)
        if role is None:
            continue
        judged = _judge_file(sha, path, hunks, role, blobs)
        if judged is not None:
            kinds |= judged[0]
            where.append((path, judged[1]))
    if not kinds:
        return None
    where.sort(key=lambda w: files[w[0]].kind != "prompt")
    return frozenset(kinds), tuple(where)


def _judge_file(sha: str, path: str, hunks: list[Hunk], role: Role,
                blobs: _Blobs) -> tuple[set[str], int] | None:
    if role.kind == "prompt":
        return ({PROMPTS}, hunks[0].start) if hunks else None
    direct = [(line_kinds(h.lines, role), h.start) for h in hunks]
    direct = [(kinds, start) for kinds, start in direct if kinds]
    if direct:
        return set().union(*(kinds for kinds, _ in direct)), direct[0][1]
    text = blobs.read(sha, path)
    if text is None:
        return None
    spans = regions(text, role, hunks)
    for hunk in hunks:
        hit = {kind for first, last, kind in spans if _overlaps(hunk, (first, last, kind))}
        if hit:
            return hit, hunk.start
    return None


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _commits(stream: IO[bytes]
             ) -> Iterator[tuple[str, datetime.datetime, dict[str, list[Hunk]]]]:
    """Parse ``git log -p -U0`` output commit by commit, as it streams."""
    sha, date = "", datetime.datetime.min
    diffs: dict[str, list[Hunk]] = {}
    path = ""
    old_left = new_left = 0
    changed: list[str] = []
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if old_left or new_left:  # inside a hunk: every line is content
            if line.startswith("-"):
                old_left -= 1
                changed.append(line[1:])
            elif line.startswith("+"):
                new_left -= 1
                changed.append(line[1:])
            if not (old_left or new_left):
                hunk = diffs[path][-1]
                diffs[path][-1] = hunk._replace(lines=tuple(changed))
            continue
        if line.startswith("\0commit "):
            if sha:
                yield sha, date, diffs
            head = line[len("\0commit "):].split(" ")
            sha, date, diffs = head[0], datetime.datetime.fromisoformat(head[1]), {}
        elif line.startswith("diff --git "):
            path = _diff_path(line)
            diffs.setdefault(path, [])
        elif line.startswith("Binary files "):
            diffs.setdefault(path, []).append(Hunk(1, 1, ()))
        elif line.startswith("@@ "):
            match = _HUNK.match(line)
            if match:
                old_left = int(match.group(2) or 1)
                new_left = int(match.group(4) or 1)
                changed = []
                diffs.setdefault(path, []).append(Hunk(int(match.group(3)), new_left, ()))
    if sha:
        yield sha, date, diffs


def _diff_path(line: str) -> str:
    """The path of ``diff --git a/P b/P`` (renames are off, so both sides are the same)."""
    rest = line[len("diff --git "):]
    if rest.startswith('"'):
        quoted = rest[: rest.index('" ', 1) + 1] if '" ' in rest else rest
        raw = codecs.escape_decode(quoted[1:-1].encode("latin-1", "replace"))[0]
        return str(raw.decode("utf-8", "replace"))[2:]
    return rest[2: 2 + (len(rest) - 5) // 2]


class _Blobs:
    """Files as a commit left them, through one ``git cat-file --batch`` opened on demand."""

    def __init__(self, project: Project, prefix: str) -> None:
        self._root = project.root
        self._prefix = prefix
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Blobs:
        return self

    def __exit__(self, *_: object) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()

    def read(self, sha: str, path: str) -> str | None:
        if self._proc is None:
            self._proc = subprocess.Popen([*_GIT, "cat-file", "--batch"], cwd=self._root,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(f"{sha}:{self._prefix}{path}\n".encode())
            stdin.flush()
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                return None
            data = stdout.read(int(header[2]) + 1)[:-1]
        except (OSError, ValueError):
            return None
        if len(data) > 5 * 1024 * 1024 or b"\0" in data[:8192]:
            return None
        return data.decode("utf-8", "replace")


def shallow_commits(project: Project) -> frozenset[str]:
    """The commits where a shallow clone's history is cut off (none in a full clone)."""
    if project.git is None or not project.git.shallow:
        return frozenset()
    return project.shared("prompthistory.shallow", _read_shallow)


def _read_shallow(project: Project) -> frozenset[str]:
    try:
        out = subprocess.run([*_GIT, "rev-parse", "--git-path", "shallow"], cwd=project.root,
                             capture_output=True, text=True, check=True).stdout.strip()
        text = (project.root / out).read_text(encoding="ascii")
    except (OSError, subprocess.CalledProcessError, UnicodeDecodeError):
        return frozenset()
    return frozenset(text.split())



def eval_files(project: Project, config: Config) -> list[str]:
    """Eval result files: ``workflows[].evals[].path`` globs, else discovered ones (the
    run's eval results, read once in readiness.evalset)."""
    return evalset.files(evalset.for_project(project, config))
