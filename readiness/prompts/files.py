"""Which files can hold prompts or model settings, and how their changes are judged.

Prompt files by name and place (under prompts/, ``*.prompt``, ``*prompt*.txt/md/yaml``,
Jinja templates the LLM code names); Python and JavaScript that talks to a model or holds
prompt lines; config that names a model or sets a prompt key. Tests, docs, vendored code
and hidden folders (dev-assistant prompts) are left out. The path rules are applied here;
what a file's text shows (``readiness.prompts.lines``) is kept per file between runs, so a
warm run reads no unchanged file.
"""

from __future__ import annotations

import functools
import re

from readiness.config import CONFIG_NAME, Config
from readiness.evals import evalset
from readiness.evals.discover import EVAL_FOLDERS
from readiness.project import Project, llmusage, signals
from readiness.project.cache import content_key
from readiness.project.documents import for_coding_agent
from readiness.project.signals import Lang
from readiness.project.sourcetext import is_test_folder, is_test_name
from readiness.prompts.lines import CODE_GATE, Role, code_marks, config_marks

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
# Versions of the per-file answers below: bump one when promptlines changes what it returns.
_CODE_QUERY, _CONFIG_QUERY, _MENTIONS_QUERY = ("promptfiles.code/1", "promptfiles.config/1",
                                               "promptfiles.mentions/1")


def _skipped_folder(folder: str) -> bool:
    """Files under ``folder`` hold no prompt of the app: docs, vendored or hidden."""
    return any(p.startswith(".") or p.lower() in _SKIP_DIRS for p in folder.split("/"))


def in_prompt_dir(rel: str) -> bool:
    return _prompt_folder(rel.rpartition("/")[0])


def _prompt_folder(folder: str) -> bool:
    return any(p.lower() in _PROMPT_DIRS for p in folder.split("/"))


def _named_a_prompt(name: str, lang: Lang | None, mentioned: frozenset[str],
                    in_prompts: bool) -> bool:
    """Is a file of this name (in a prompt folder or not) named as a prompt?"""
    original, name = name, name.lower()
    if _NOT_PROMPT.match(name) or lang in (Lang.PYTHON, Lang.JAVASCRIPT):
        return False
    if name.endswith(_PROMPT_SUFFIXES):
        return True
    textual = name.endswith(_TEXT_SUFFIXES + _TEMPLATE_SUFFIXES)
    if textual and (in_prompts or "prompt" in name and _PROMPT_WORD.search(
            name.rpartition(".")[0])):
        return True
    # A Jinja template is a prompt when the LLM code names it (HTML pages are not).
    return (name.endswith(_TEMPLATE_SUFFIXES) and ".htm" not in name
            and original in mentioned)


def candidates(project: Project, config: Config) -> dict[str, Role]:
    """Files that can hold prompts or model settings, with how to judge their changes."""
    return project.shared("promptfiles.candidates", lambda p: _find_candidates(p, config))


def _find_candidates(project: Project, config: Config) -> dict[str, Role]:
    llm_files = llmusage.llm_files(project)
    evals = frozenset(eval_files(project, config))
    mentioned = _mentioned_templates(project, llm_files)
    found: dict[str, Role] = {}
    code: dict[Lang, list[str]] = {Lang.PYTHON: [], Lang.JAVASCRIPT: []}
    config_files: dict[bool, list[str]] = {False: [], True: []}
    generated, translation = project.generated, project.translation
    # What the path decides is worked out once per folder and once per file name: Home
    # Assistant has 36,488 files in 3,300 folders, 27,000 of them named by a language
    # (``en.json``) in a translations folder.
    folders: dict[str, tuple[bool, bool]] = {}  # folder -> (left out, a prompt folder)
    names: dict[str, tuple[Lang | None, bool]] = {}  # name -> (its language, a test's)
    named: dict[tuple[str, bool], bool] = {}  # (name, in a prompt folder) -> named a prompt
    for rel in project.files:  # the path decides, or which file's text must be looked at
        folder, _, name = rel.rpartition("/")
        place = folders.get(folder)
        if place is None:
            place = folders[folder] = (_skipped_folder(folder) or is_test_folder(folder),
                                       _prompt_folder(folder))
        if place[0] or rel in evals or rel in generated:
            continue
        kind = names.get(name)
        if kind is None:
            kind = names[name] = (signals.language(name), is_test_name(name))
        lang, test = kind
        if test:
            continue
        prompt = named.get((name, place[1]))
        if prompt is None:
            prompt = named[(name, place[1])] = _named_a_prompt(name, lang, mentioned, place[1])
        # a coding agent's instructions are prompts for the tool that edits the code, not
        # the app's: asked last, of the few files named as prompts (a pattern of many words)
        if prompt and not for_coding_agent(rel):
            found[rel] = Role("prompt")
        elif lang is Lang.PYTHON or lang is Lang.JAVASCRIPT:
            code[lang].append(rel)
        elif lang is Lang.CONFIG and not translation(rel):  # UI strings: never settings
            by_name = _config_by_name(project, rel)
            if by_name:
                found[rel] = Role("config", Lang.CONFIG, True)
            elif by_name is None:
                config_files[rel.endswith(".json")].append(rel)
    for lang, files in code.items():
        marks = project.facts(files, f"{_CODE_QUERY}:{lang.value}",
                              functools.partial(code_marks, lang=lang), gate=CODE_GATE)
        for rel in files:
            talks, prompt_line = marks.get(rel, (False, False))  # no text: nothing shown
            llm = rel in llm_files or talks
            if llm or in_prompt_dir(rel) or prompt_line:
                found[rel] = Role("code", lang, llm, in_prompt_dir(rel))
    for keep, files in config_files.items():
        shown = project.facts(files, f"{_CONFIG_QUERY}:{keep}",
                              functools.partial(config_marks, keep=keep))
        found.update((rel, Role("config", Lang.CONFIG, True)) for rel in files if shown.get(rel))
    return dict(sorted(found.items()))


def _mentioned_templates(project: Project, llm_files: frozenset[str]) -> frozenset[str]:
    """Names of template files that the LLM code mentions (a template named there is a
    prompt): only looked for when the repository has templates."""
    if not any(f.endswith(_TEMPLATE_SUFFIXES) for f in project.files):
        return frozenset()
    wanted = tuple(sorted({f.rpartition("/")[2] for f in project.files
                           if f.lower().endswith(_TEMPLATE_SUFFIXES)}))
    query = f"{_MENTIONS_QUERY}:{content_key(repr(wanted))[:20]}"
    per_file = project.facts(sorted(llm_files), query,
                             functools.partial(_mentions, names=wanted))
    return frozenset(name for found in per_file.values() for name in found)


def _mentions(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in names if name in text)


def _config_by_name(project: Project, rel: str) -> bool | None:
    """Is this config file model settings by its path alone (True), never (False), or does
    its text decide (None)?"""
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
    return None


def eval_files(project: Project, config: Config) -> list[str]:
    """Eval result files: ``workflows[].evals[].path`` globs, else discovered ones (the
    run's eval results, read once in readiness.evals.evalset)."""
    return evalset.files(evalset.for_project(project, config))
