"""Hostile repositories, black box (issue #12): the CLI runs as a real subprocess, bounded in
time and memory, and must never run the repository's code or git's configured commands,
never hang, never crash, and never read outside the scanned root.

Every payload that runs appends to a *marker* file outside the repository; every run must
end within ``TIMEOUT`` (else the test fails as "hung") and inside a 2 GiB address space,
with exit code 0, 1 or 2, no traceback, and a one-line error when the code is 2.

How the worktree's code is run: ``readiness`` is installed editable from another checkout,
so the CLI is started through a small launcher script (written to a temporary folder
outside every scanned repository) that puts this checkout first on ``sys.path`` and maps
``readiness.checks`` / ``readiness.templates`` to its ``checks/`` and ``templates/``, the
way the console script ``readiness`` starts: ``python LAUNCHER check ...``. A script's own
folder, not the working directory, is ``sys.path[0]``, exactly as for the installed console
script; ``PYTHONPATH`` is set to this checkout too, so that spawned worker processes import
the same code. Only the ``python -m readiness`` variant of attack 1 starts differently (and
there the editable install maps ``readiness.checks`` to the other checkout).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests import attacks
from tests.conftest import Files, git, init_repo, write_files

WORKTREE = Path(__file__).resolve().parent.parent
DAY = "2026-11-24"
SCAN = ("--date", DAY, "-f", "json", "--no-cache")
TIMEOUT = 20.0  # a scan of these repositories takes 1-5 s, even on a busy 2-core machine
MEMORY = 2 << 30  # RLIMIT_AS of the CLI and of everything it starts
OUTPUT_CAP = 16 << 20  # bytes of stdout/stderr read back

LAUNCHER_SOURCE = '''\
"""Start readiness from the worktree {worktree!s} (like the console script does)."""
import importlib.util
import sys

WORKTREE = {worktree!r}
sys.path.insert(1, WORKTREE)


class _Worktree:
    """readiness.checks and readiness.templates from the worktree, as installed."""

    FOLDERS = {{"readiness.checks": WORKTREE + "/checks",
               "readiness.templates": WORKTREE + "/templates"}}

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        folder = cls.FOLDERS.get(name)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(
            name, folder + "/__init__.py", submodule_search_locations=[folder])


sys.meta_path.insert(0, _Worktree)

if __name__ == "__main__":
    from readiness.cli import main

    sys.exit(main())
'''

_LAUNCHER: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _launcher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("launcher")
    path = folder / "readiness"
    path.write_text(LAUNCHER_SOURCE.format(worktree=str(WORKTREE)))
    _LAUNCHER[:] = [path]
    return path


# ---- running the CLI -------------------------------------------------------------------------


class Run(NamedTuple):
    code: int
    stdout: str  # decoded with surrogateescape: ``utf8(run.stdout)`` re-checks strictly
    stderr: str
    elapsed: float


def launcher() -> list[str]:
    return [sys.executable, str(_LAUNCHER[0])]


def cli_env(tmp: Path, **changes: str | None) -> dict[str, str]:
    """The subprocess environment: the caller's, with a private HOME and cache, no global
    git config, no colour, this checkout on PYTHONPATH; ``changes`` set (None: unset)."""
    env = dict(os.environ)
    for key in ("READINESS_DEBUG", "READINESS_POLICY", "FORCE_COLOR", "CI", "GIT_DIR",
                "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES", "XDG_CACHE_HOME"):
        env.pop(key, None)
    home = tmp / "_home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull, NO_COLOR="1",
               READINESS_CACHE_DIR=str(tmp / "_cache"), PYTHONPATH=str(WORKTREE))
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "MARKER"  # outside every repository the tests build (tmp_path/repo)


def _limits(umask: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        os.umask(umask)

    return apply


def _kill_group(pgid: int) -> None:
    """Kill the process group this test started (the CLI and whatever it left behind)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_cli(args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
            timeout: float = TIMEOUT, command: Sequence[str] | None = None,
            umask: int = 0o022) -> Run:
    """Run ``readiness ARGS`` as a subprocess in its own process group, under RLIMIT_AS, and
    fail the test as "hung" if it is still running after ``timeout`` seconds."""
    argv = [*(command or launcher()), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err, preexec_fn=_limits(umask),
                                   start_new_session=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()
            err.seek(0)
            pytest.fail(f"hung: still running after {timeout:g} s: readiness "
                        f"{' '.join(args)!r}; stderr: {err.read(2000)!r}")
        elapsed = time.monotonic() - started
        _kill_group(process.pid)  # worker processes it may have left behind
        out.seek(0)
        err.seek(0)
        stdout = out.read(OUTPUT_CAP).decode("utf-8", "surrogateescape")
        stderr = err.read(OUTPUT_CAP).decode("utf-8", "surrogateescape")
    return Run(code, stdout, stderr, elapsed)


def utf8(text: str) -> str:
    """``text`` as the bytes the CLI wrote, decoded strictly: invalid UTF-8 fails the test."""
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pytest.fail(f"output is not valid UTF-8: {exc}: {raw[exc.start - 40:exc.end + 40]!r}")


def assert_sane(run: Run, marker: Path | None = None) -> None:
    """The invariants of every run: no payload ran, a documented exit code, no traceback,
    and a usage/config error is one line."""
    if marker is not None:
        assert not marker.exists(), f"payload ran:\n{marker.read_text()}"
    assert run.code in (0, 1, 2), f"exit {run.code}; stderr: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, f"traceback on stderr:\n{run.stderr[-3000:]}"
    if run.code == 2:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, f"exit 2 with {len(lines)} lines on stderr:\n{run.stderr}"


def card_of(run: Run) -> dict[str, Any]:
    card = json.loads(utf8(run.stdout))
    assert isinstance(card, dict)
    return card


def result_of(card: Mapping[str, Any], name: str) -> dict[str, Any]:
    found = [r for r in card["results"] if r["name"] == name]
    assert found, f"no result for {name}"
    return dict(found[0])


# ---- 1. worker processes must not import modules from the repository -----------------------


# A PYTHONPATH naming the repository is the user's own configuration, trusted like the rest
# of their environment (Python itself would run a sitecustomize.py from it): not an attack.
@pytest.mark.parametrize("start", ["console-script", "python-m"])
def test_workers_never_import_repository_modules(tmp_path: Path, marker: Path, start: str
                                                 ) -> None:
    repo = tmp_path / "repo"
    attacks.many_python_files(repo, 500)  # above workers.MIN_FILES (400): workers start
    attacks.shadow_stdlib(repo, marker)
    init_repo(repo)
    env = cli_env(tmp_path)
    command = None
    if start == "python-m":
        command = [sys.executable, "-m", "readiness"]
    run = run_cli(["check", ".", *SCAN, "--jobs", "2"], cwd=repo, env=env, command=command)
    assert_sane(run, marker)


# ---- 2. git configuration must never run a command --------------------------------------------

Setup = Callable[[Path, Path, Path], Path]  # (repo, payload, tmp) -> the path to scan


def _config(repo: Path, *pairs: str) -> None:
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        git(repo, "config", key, value)


def _commit_attributes(repo: Path, text: str) -> None:
    write_files(repo, {".gitattributes": text})
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "attributes", date="2026-11-03T12:00:00+00:00")


def _modify(repo: Path) -> None:
    path = repo / "app" / "extract.py"
    path.write_text(path.read_text() + "# local edit\n")


def _fsmonitor(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "core.fsmonitor", str(payload))
    return repo


def _filter(kind: str) -> Setup:
    def setup(repo: Path, payload: Path, tmp: Path) -> Path:
        _commit_attributes(repo, "* filter=evil\n")
        keys = ("process",) if kind == "process" else ("clean", "smudge")
        for key in keys:
            _config(repo, f"filter.evil.{key}", str(payload))
        _modify(repo)  # a modified file: the dirty check runs the clean filter on it
        return repo

    return setup


def _textconv(repo: Path, payload: Path, tmp: Path) -> Path:
    _commit_attributes(repo, "*.py diff=evil\n*.txt diff=evil\n*.csv diff=evil\n")
    _config(repo, "diff.evil.textconv", str(payload), "diff.evil.command", str(payload))
    _modify(repo)
    return repo


def _diff_external(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "diff.external", str(payload))
    _modify(repo)
    return repo


def _hooks_path(repo: Path, payload: Path, tmp: Path) -> Path:
    hooks = tmp / "hooks"
    hooks.mkdir()
    for name in attacks.HOOK_NAMES:
        shutil.copy(payload, hooks / name)
    _config(repo, "core.hooksPath", str(hooks))
    return repo


def _hooks_dir(repo: Path, payload: Path, tmp: Path) -> Path:
    for name in attacks.HOOK_NAMES:
        shutil.copy(payload, repo / ".git" / "hooks" / name)
    return repo


def _gpg(repo: Path, payload: Path, tmp: Path) -> Path:
    attacks.fake_signed_commit(repo)
    _config(repo, "gpg.program", str(payload), "gpg.ssh.program", str(payload),
            "gpg.x509.program", str(payload), "log.showSignature", "true")
    return repo


def _evil_include(repo: Path, payload: Path) -> None:
    write_files(repo, {"tools/evil.gitconfig": f"[core]\n\tfsmonitor = {payload}\n"})
    git(repo, "add", "tools/evil.gitconfig")
    git(repo, "commit", "-qm", "tools", date="2026-11-03T12:00:00+00:00")


def _include_path(repo: Path, payload: Path, tmp: Path) -> Path:
    _evil_include(repo, payload)
    _config(repo, "include.path", "../tools/evil.gitconfig")
    return repo


def _include_if(repo: Path, payload: Path, tmp: Path) -> Path:
    _evil_include(repo, payload)
    _config(repo, f"includeIf.gitdir:{repo}/.path", "../tools/evil.gitconfig",
            "includeIf.onbranch:main.path", "../tools/evil.gitconfig")
    return repo


def _pager(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "core.pager", str(payload), "pager.log", str(payload),
            "pager.status", str(payload), "pager.diff", str(payload))
    return repo


def _editor(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "core.editor", str(payload), "sequence.editor", str(payload))
    return repo


def _ssh_command(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "core.sshCommand", str(payload), "remote.origin.url", "ssh://example.invalid/r",
            "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")
    return repo


def _credential_helper(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "credential.helper", f"!{payload}", "core.askPass", str(payload))
    return repo


def _git_file(repo: Path, payload: Path, tmp: Path) -> Path:
    other = tmp / "other.git"
    shutil.move(repo / ".git", other)
    (repo / ".git").write_text(f"gitdir: {other}\n")
    _config(repo, "core.fsmonitor", str(payload))  # lands in other.git/config
    return repo


def _sub_folder(repo: Path, payload: Path, tmp: Path) -> Path:
    _config(repo, "core.fsmonitor", str(payload))
    return repo / "app"


GIT_CONFIG_ATTACKS: dict[str, Setup] = {
    "core.fsmonitor": _fsmonitor,
    "filter-clean-smudge": _filter("clean"),
    "filter-process": _filter("process"),
    "diff-textconv": _textconv,
    "diff.external": _diff_external,
    "core.hooksPath": _hooks_path,
    "git-hooks-dir": _hooks_dir,
    "gpg.program": _gpg,
    "include.path": _include_path,
    "includeIf": _include_if,
    "core.pager": _pager,
    "core.editor": _editor,
    "core.sshCommand": _ssh_command,
    "credential.helper": _credential_helper,
    "dot-git-file": _git_file,
    "sub-folder-scan": _sub_folder,
}


@pytest.mark.parametrize("case", sorted(GIT_CONFIG_ATTACKS))
def test_git_config_never_runs_commands(tmp_path: Path, marker: Path, env: dict[str, str],
                                        case: str) -> None:
    repo = attacks.pilot_repo(tmp_path / "repo")
    payload = attacks.shell_payload(tmp_path / "payload.sh", marker)
    target = GIT_CONFIG_ATTACKS[case](repo, payload, tmp_path)
    attacks.make_stat_dirty(repo)  # git refreshes the index: fsmonitor, filters, hooks
    run = run_cli(["check", str(target), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run, marker)


def _blocking_file(where: str, name: str) -> Callable[[Path, Path], None]:
    def setup(repo: Path, tmp: Path) -> None:
        path = repo / name if where == "repo" else repo / ".git" / name
        if path.exists():
            path.unlink()  # .git/info/exclude comes from git's templates
        attacks.make_fifo(path)

    return setup


def _attributes_file(value: str) -> Callable[[Path, Path], None]:
    def setup(repo: Path, tmp: Path) -> None:
        target = value if value != "fifo" else str(attacks.make_fifo(tmp / "attributes"))
        git(repo, "config", "core.attributesFile", target)

    return setup


def _excludes_file(repo: Path, tmp: Path) -> None:
    git(repo, "config", "core.excludesFile", str(attacks.make_fifo(tmp / "excludes")))


BLOCKING: dict[str, Callable[[Path, Path], None]] = {
    "git-gitignore-fifo": _blocking_file("repo", ".gitignore"),
    "git-gitattributes-fifo": _blocking_file("repo", ".gitattributes"),
    "git-info-exclude-fifo": _blocking_file("git", "info/exclude"),
    "git-info-attributes-fifo": _blocking_file("git", "info/attributes"),
    "git-attributesFile-dev-zero": _attributes_file("/dev/zero"),
    "git-attributesFile-fifo": _attributes_file("fifo"),
    "git-excludesFile-fifo": _excludes_file,
}


@pytest.mark.parametrize("case", sorted(BLOCKING))
def test_git_files_that_block_never_hang(tmp_path: Path, env: dict[str, str], case: str
                                         ) -> None:
    repo = attacks.pilot_repo(tmp_path / "repo", history=False)
    BLOCKING[case](repo, tmp_path)
    attacks.make_stat_dirty(repo)
    _modify(repo)
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)


@pytest.mark.parametrize("name", [".gitignore", ".gitattributes", "sub/.gitignore",
                                  "readiness.yaml", "app/main.py", "evals/results.jsonl"])
def test_fifo_in_a_plain_folder_never_hangs(tmp_path: Path, env: dict[str, str], name: str
                                            ) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app/llm.py": attacks.LLM_APP, "sub/x.py": "x = 1\n"})
    attacks.make_fifo(repo / name)
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)


# ---- 3. a `git` in the repository is never the git that runs ----------------------------------


@pytest.mark.parametrize("prefix", [":", ".:"], ids=["empty-entry", "dot-entry"])
def test_git_on_path_is_never_the_repositorys(tmp_path: Path, marker: Path, prefix: str
                                              ) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    attacks.git_executable_in(repo, marker)
    init_repo(repo)  # the executable `git` is committed
    env = cli_env(tmp_path, PATH=prefix + os.environ["PATH"])
    run = run_cli(["check", ".", *SCAN], cwd=repo, env=env)
    assert_sane(run, marker)


# ---- 4. a partial clone never fetches missing objects ------------------------------------------


def _partial_clone(tmp: Path) -> Path:
    source = attacks.pilot_repo(tmp / "source")
    git(source, "config", "uploadpack.allowFilter", "true")
    git(source, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(tmp, "clone", "-q", "--filter=blob:none", f"file://{source}", "repo")
    repo = tmp / "repo"
    missing = git(repo, "rev-list", "--objects", "--all", "--missing=print")
    assert any(line.startswith("?") for line in missing.splitlines()), \
        "setup: the partial clone is missing no blobs"
    return repo


@pytest.mark.parametrize("remote", ["ext-url", "ssh-command", "upload-pack"])
def test_partial_clone_never_fetches(tmp_path: Path, marker: Path, env: dict[str, str],
                                     remote: str) -> None:
    repo = _partial_clone(tmp_path)
    payload = attacks.shell_payload(tmp_path / "payload.sh", marker, then="exit 1")
    if remote == "ext-url":
        _config(repo, "protocol.ext.allow", "always", "remote.origin.url", f"ext::{payload}")
    elif remote == "ssh-command":
        _config(repo, "core.sshCommand", str(payload),
                "remote.origin.url", "ssh://example.invalid/source.git")
    else:
        _config(repo, "remote.origin.uploadpack", str(payload))
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run, marker)


# ---- 5. file names cannot steer CI logs; undecodable names give valid output -----------------

STEERING_FORMATS = {
    "terminal": ("-f", "terminal"),
    "terminal-compact": ("--compact",),
    "junit": ("-f", "junit"),
    "sarif": ("-f", "sarif"),
    "markdown": ("-f", "markdown"),
}


@pytest.mark.parametrize("fmt", sorted(STEERING_FORMATS))
def test_file_names_cannot_steer_ci_logs(tmp_path: Path, env: dict[str, str], fmt: str
                                         ) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {name: attacks.LLM_APP for name in attacks.STEERING_NAMES})
    run = run_cli(["check", str(repo), "--date", DAY, "--no-cache", *STEERING_FORMATS[fmt]],
                  cwd=tmp_path, env=env)
    assert_sane(run)
    assert "evil" in run.stdout, "setup: the hostile names do not reach the output"
    for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        for line in text.splitlines():  # \r, \v, \f, \x1c-\x1e, \x85, \u2028 end lines too
            assert not line.strip().startswith("::"), f"{stream}: workflow command: {line!r}"
            assert "##[" not in line, f"{stream}: logging command: {line!r}"


@pytest.mark.parametrize("output", ["stdout", "output-file"])
def test_undecodable_file_name_gives_valid_json(tmp_path: Path, env: dict[str, str],
                                                output: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    with open(os.fsencode(repo) + b"/bad\xff.py", "w", encoding="utf-8") as handle:
        handle.write(attacks.LLM_APP)
    args = ["check", str(repo), *SCAN]
    report = tmp_path / "out.json"
    if output == "output-file":
        args += ["-o", str(report)]
    run = run_cli(args, cwd=tmp_path, env=env)
    assert_sane(run)
    assert run.code in (0, 1), run.stderr
    text = utf8(run.stdout if output == "stdout" else
                report.read_bytes().decode("utf-8", "surrogateescape"))
    card = json.loads(text)
    assert card["verdict"] in ("GO", "CONDITIONAL_GO", "NO_GO")


# ---- 6. hangs and memory ----------------------------------------------------------------------


def test_pathological_exclude_glob_never_hangs(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    config = f"version: 1\nexclude: [{json.dumps(attacks.PATHOLOGICAL_GLOB)}]\n"
    write_files(repo, {"readiness.yaml": config, attacks.deep_path(): "x = 1\n",
                       "a" * 120 + ".py": "x = 1\n"})
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)


@pytest.mark.parametrize("with_git", [False, True], ids=["not-git", "git"])
def test_pathological_gitignore_never_hangs(tmp_path: Path, env: dict[str, str],
                                            with_git: bool) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    if with_git:
        init_repo(repo)  # before the pattern: git itself backtracks on it, unbounded
    write_files(repo, {".gitignore": attacks.PATHOLOGICAL_GLOB + "\n" + "*a" * 30 + "b\n",
                       attacks.deep_path(): "x = 1\n", "a" * 120 + ".py": "x = 1\n"})
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)


def test_catastrophic_yaml_check_regex_is_bounded(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    rules = """\
checks:
  - code: RDS001
    name: redos-pattern
    gap: quality
    due_week: 2
    severity: minor
    title: Does the data say aaa?
    remediation: Nothing to do.
    rule: {pattern_present: {pattern: "(a+)+$", files: "data/*.txt"}}
"""
    write_files(repo, {
        "readiness.yaml": "version: 1\nthresholds: {check_timeout_seconds: 2}\n"
                          "plugins: {yaml_checks: [rules/redos.yaml]}\n",
        "rules/redos.yaml": rules,
        "data/input.txt": "a" * 50_000 + "!\n",
    })
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    assert run.elapsed < 15, f"took {run.elapsed:.0f} s with a check timeout of 2 s"


def test_a_document_of_template_openings_is_read_in_linear_time(tmp_path: Path,
                                                                env: dict[str, str]) -> None:
    """One line of 200,000 unclosed ``{{a|`` in an HTML page: the template test of the
    people checks (user-involvement, incentives) scanned it in quadratic time before."""
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP,
                       "docs/notes.html": "<h1>User research</h1>\n<p>" + "{{a|" * 200_000
                                          + "</p>\n"})
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    card = json.loads(run.stdout)
    found = {r["name"]: r["status"] for r in card["results"]}
    # judged, not timed out: no placeholder is ever closed, so the heading is a note
    assert found["user-involvement"] == "pass"


def _judged(tmp_path: Path, env: dict[str, str], files: Files,
            *options: str) -> dict[str, str]:
    """The status of each check on an LLM app with the hostile ``files`` beside it, after
    ``assert_sane`` on the run (which ``run_cli`` bounds in time and memory)."""
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP, **files})
    run = run_cli(["check", str(repo), *SCAN, *options], cwd=tmp_path, env=env)
    assert_sane(run)
    return {r["name"]: r["status"] for r in json.loads(run.stdout)["results"]}


def _url_helpers(levels: int, returns: int) -> str:
    """``requests.post(f0(base))`` where each ``f<i>`` has ``returns`` returns, each joining
    a route onto ``f<i+1>(x)``: followed return by return, returns ** levels URLs."""
    lines = ["import requests", ""]
    for level in range(levels):
        inner = f"f{level + 1}(x)" if level + 1 < levels else "x"
        lines.append(f"def f{level}(x):")
        for k in range(returns):
            lines += [f"    if x == {k}:", f'        return {inner} + "/p{k}"']
        lines += [f'    return {inner} + "/chat/completions"', ""]
    return "\n".join([*lines, "def ask(base):", "    return requests.post(f0(base), json={})",
                      ""])


def test_a_url_built_by_helpers_of_many_returns_is_followed_in_bounded_time(
        tmp_path: Path, env: dict[str, str]) -> None:
    """The URL of a raw HTTP call is followed through the helpers that build it, each
    return with its parameters bound to the call: six helpers of forty returns each took
    more than a minute before the walk had a budget of steps."""
    found = _judged(tmp_path, env, {"urls.py": _url_helpers(6, 40)})
    assert found["llm-timeouts"] in ("pass", "fail", "warn")  # judged, not an error


def test_a_base_class_of_many_subclasses_is_resolved_in_bounded_time(
        tmp_path: Path, env: dict[str, str]) -> None:
    """A base class whose methods call ``self.handle()``, which 15,000 subclasses override:
    every such call would be an invocation of every override (1,000 calls by 15,000
    classes) before the subclasses looked at were capped."""
    lines = ["from openai import OpenAI", "", "client = OpenAI()", "", "", "class Base:"]
    for i in range(1_000):
        lines += [f"    def m{i}(self):", f"        return self.handle({i})", ""]
    lines += ["    def handle(self, x):",
              "        return client.chat.completions.create(model='m', messages=[])", ""]
    for i in range(15_000):
        lines += [f"class S{i}(Base):", "    def handle(self, x):", "        return x", ""]
    found = _judged(tmp_path, env, {"handlers.py": "\n".join(lines)}, "--jobs", "1")
    assert found["llm-timeouts"] in ("pass", "fail", "warn")  # judged, not an error


def test_a_module_of_many_statements_is_walked_in_linear_time(tmp_path: Path,
                                                              env: dict[str, str]) -> None:
    """200,000 statements around a model call whose usage is compared with a limit: the
    traffic analysis kept, for each statement, a copy of the statements after it (for an
    early return's rest), quadratic in the module's length (100,000 took 14 s, not 1.3)."""
    lines = ["from openai import OpenAI", "", "client = OpenAI()"]
    lines += [f"x{i} = {i}" for i in range(200_000)]
    lines += ["", "", "def ask():", '    r = client.chat.completions.create(model="m", '
              "messages=[])", "    if r.usage.total_tokens > x1:", "        return None",
              "    return r", ""]
    found = _judged(tmp_path, env, {"big.py": "\n".join(lines)}, "--jobs", "1")
    assert found["budget-limits"] in ("pass", "fail", "warn")  # judged, not an error


@pytest.mark.parametrize(("inflated", "declared"), [(1 << 30, None), (3 << 30, 64)],
                         ids=["honest-1GiB", "lying-header-3GiB"])
def test_zip_bomb_eval_archive_is_bounded(tmp_path: Path, env: dict[str, str], inflated: int,
                                          declared: int | None) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    bomb = attacks.zip_bomb_eval(repo / "logs" / "2026-11-01T10-00-00+00-00_bomb_abc123.eval",
                                 inflated=inflated, declared=declared)
    assert bomb.stat().st_size < 8 << 20
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    run = run_cli(["evals", str(bomb)], cwd=tmp_path, env=env)
    assert_sane(run)


def test_huge_telemetry_line_is_bounded(tmp_path: Path, env: dict[str, str]) -> None:
    telemetry = attacks.huge_line_telemetry(tmp_path / "calls.jsonl", 200 << 20)
    try:
        run = run_cli(["usage", str(telemetry)], cwd=tmp_path, env=env)
        assert_sane(run)
    finally:
        telemetry.unlink()


@pytest.mark.parametrize("command", ["usage", "evals", "report"])
def test_endless_file_argument_is_bounded(tmp_path: Path, env: dict[str, str], command: str
                                          ) -> None:
    run = run_cli([command, "/dev/zero"], cwd=tmp_path, env=env)
    assert_sane(run)


# ---- 7. nothing outside the root is read through links or `..` ---------------------------------

LEAK = "LEAKED-FROM-OUTSIDE-7f3a"
OUTSIDE_CHECKS = f"""\
checks:
  - code: OUT001
    name: outside-check
    gap: quality
    due_week: 2
    severity: minor
    title: {LEAK}
    remediation: {LEAK}
    rule: {{file_exists: "**/*"}}
"""


@pytest.mark.parametrize("case", ["readiness-yaml-link", "checks-file-link",
                                  "checks-folder-link", "checks-dotdot"])
def test_config_is_never_read_from_outside(tmp_path: Path, env: dict[str, str], case: str
                                           ) -> None:
    outside = tmp_path / "outside"
    write_files(outside, {"readiness.yaml": f"version: 1\nproject: {LEAK}\n",
                          "checks.yaml": OUTSIDE_CHECKS})
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    if case == "readiness-yaml-link":
        os.symlink(outside / "readiness.yaml", repo / "readiness.yaml")
    else:
        glob = {"checks-file-link": "rules/*.yaml", "checks-folder-link": "*/checks.yaml",
                "checks-dotdot": "../outside/checks.yaml"}[case]
        write_files(repo, {"readiness.yaml": f"version: 1\nplugins: {{yaml_checks: ['{glob}']}}\n",
                           "rules/own.yaml": "checks: []\n"})
        if case == "checks-file-link":
            os.symlink(outside / "checks.yaml", repo / "rules" / "team.yaml")
        elif case == "checks-folder-link":
            os.symlink(outside, repo / "shared")
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    assert LEAK not in run.stdout and LEAK not in run.stderr, "read a file outside the root"


# ---- 8. broken git state is "no git facts", not a crash -------------------------------------


def _chown_tree(root: Path, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), uid, -1)
    os.lchown(root, uid, -1)


@pytest.mark.parametrize("damage", ["dubious-ownership", "corrupt-index", "bad-config"])
def test_broken_git_state_is_not_a_crash(tmp_path: Path, env: dict[str, str], damage: str
                                         ) -> None:
    repo = attacks.pilot_repo(tmp_path / "repo", history=False)
    if damage == "dubious-ownership":
        if os.geteuid() != 0:
            pytest.skip("needs root to give .git to another user")
        _chown_tree(repo / ".git", 12345)
    elif damage == "corrupt-index":
        (repo / ".git" / "index").write_bytes(b"DIRC\x00\x00\x00\x02garbage" * 40)
    else:
        with open(repo / ".git" / "config", "a") as handle:
            handle.write("[core\n\tbogus = = =\n")
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    assert run.code in (0, 1), f"exit {run.code}: {run.stderr}"


# ---- 9. the rest -------------------------------------------------------------------------------


def test_diff_attribute_off_is_scanned(tmp_path: Path, env: dict[str, str]) -> None:
    repo = attacks.pilot_repo(tmp_path / "repo")
    _commit_attributes(repo, "*.py -diff\n*.txt -diff\n")
    prompt = repo / "prompts" / "extract.txt"
    prompt.write_text(prompt.read_text() + "Be brief.\n")
    git(repo, "commit", "-qam", "prompt again", date="2026-11-04T12:00:00+00:00")
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    assert run.code in (0, 1)
    assert result_of(card_of(run), "eval-freshness")["status"] != "error"


SUPPRESSED_CALL = "    response = client.chat.completions.create("
SUPPRESSION = "  # readiness: ignore[llm-timeouts] the gateway enforces a 30 s timeout"


@pytest.mark.parametrize("before", ["", "\x0c\n", "# page one\u2028page two\n",
                                    "# a\x1cb\x1dc\x1ed\x85e\n"],
                         ids=["plain", "form-feed", "line-separator", "other-separators"])
def test_line_separators_do_not_shift_suppressions(tmp_path: Path, env: dict[str, str],
                                                   before: str) -> None:
    source = before + attacks.LLM_APP.replace(SUPPRESSED_CALL, SUPPRESSED_CALL + SUPPRESSION)
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": source})
    run = run_cli(["check", str(repo), *SCAN, "--only", "llm-timeouts"], cwd=tmp_path, env=env)
    assert_sane(run)
    result = result_of(card_of(run), "llm-timeouts")
    assert (result["status"], result["observed"]) == ("waived", "fail"), result


@pytest.mark.parametrize("setting", ["timeline.pilot_start=2026-13-45",
                                     "thresholds.min_examples=" + "9" * 5000],
                         ids=["impossible-date", "5000-digit-number"])
def test_bad_set_value_is_a_one_line_usage_error(tmp_path: Path, env: dict[str, str],
                                                 setting: str) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    run = run_cli(["check", str(repo), *SCAN, "--set", setting], cwd=tmp_path, env=env)
    assert_sane(run)
    assert run.code == 2, f"exit {run.code}: {run.stderr[-2000:]}"


@pytest.fixture(scope="module")
def saved_card(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("card")
    repo = tmp / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP,
                       "readiness.yaml": "version: 1\ntimeline: {pilot_start: 2026-09-07}\n"})
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp, env=cli_env(tmp))
    assert run.code in (0, 1), run.stderr
    return card_of(run)


HUGE = "__HUGE_NUMBER__"


def _huge(card: dict[str, Any], variant: str) -> str:
    card = json.loads(json.dumps(card))
    timeline = card["timeline"]
    assert isinstance(timeline, dict)
    if variant == "scores-1e308":
        card["scores"] = {key: 1e308 for key in ("infrastructure", "quality", "adoption",
                                                 "overall")}
    elif variant == "number-of-5000-digits":
        card["gate_week"] = HUGE
    elif variant == "week-of-4000-digits":
        timeline["week"] = 10**3999
    else:  # total-weeks-1e8
        timeline["total_weeks"] = 10**8
        timeline["week"] = 10**8 - 1
    return json.dumps(card).replace(f'"{HUGE}"', "9" * 5000)


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
@pytest.mark.parametrize("variant", ["scores-1e308", "number-of-5000-digits",
                                     "week-of-4000-digits", "total-weeks-1e8"])
def test_saved_scorecard_with_huge_numbers(tmp_path: Path, env: dict[str, str],
                                           saved_card: dict[str, Any], variant: str,
                                           fmt: str) -> None:
    path = tmp_path / "card.json"
    path.write_text(_huge(saved_card, variant))
    run = run_cli(["report", str(path), "-f", fmt], cwd=tmp_path, env=env, timeout=20)
    assert_sane(run)
    assert len(run.stdout) < 10 << 20, f"{len(run.stdout)} characters of output"


def _small_repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP})
    return repo


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "reports" / "real.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    run = run_cli(["check", str(_small_repo(tmp_path)), *SCAN, "-o", str(link)],
                  cwd=tmp_path, env=env)
    assert_sane(run)
    assert link.is_symlink(), "the symlink was replaced by a regular file"
    assert json.loads(target.read_text())["verdict"] in ("GO", "CONDITIONAL_GO", "NO_GO")


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002], ids=["022", "027", "002"])
def test_report_mode_follows_umask(tmp_path: Path, env: dict[str, str], umask: int) -> None:
    report = tmp_path / "report.json"
    run = run_cli(["check", str(_small_repo(tmp_path)), *SCAN, "-o", str(report)],
                  cwd=tmp_path, env=env, umask=umask)
    assert_sane(run)
    assert oct(report.stat().st_mode & 0o777) == oct(0o666 & ~umask)


def _processes() -> Iterator[tuple[int, int, int, str]]:
    """(pid, ppid, start time, state) of every process, from /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(entry), int(fields[1]), int(fields[19]), fields[0]


def _descendants(root: int) -> dict[int, int]:
    """pid -> start time of every living process below ``root``."""
    table = list(_processes())
    found: dict[int, int] = {}
    parents = {root}
    while True:
        new = {pid: start for pid, ppid, start, state in table
               if ppid in parents and pid not in found and state != "Z"}
        if not new:
            return found
        found.update(new)
        parents = set(new)


def _alive(seen: Mapping[int, int]) -> dict[int, int]:
    now = {pid: (start, state) for pid, _, start, state in _processes()}
    return {pid: start for pid, start in seen.items()
            if pid in now and now[pid][0] == start and now[pid][1] != "Z"}


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _workers(seen: Mapping[int, int]) -> int:
    """How many of ``seen`` are worker processes: spawned ones, or forked from a fork server
    (which shares their command line)."""
    commands = [_cmdline(pid) for pid in seen]
    forked = sum("multiprocessing.forkserver" in command for command in commands)
    return sum("--multiprocessing-fork" in command for command in commands) + max(0, forked - 1)


def test_sigterm_leaves_no_worker_processes(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    attacks.many_python_files(repo, 3000, body=attacks.LLM_APP)
    process = subprocess.Popen(
        [*launcher(), "check", str(repo), *SCAN, "--jobs", "2"], cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=_limits(0o022), start_new_session=True)
    seen: dict[int, int] = {}
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            seen.update(_descendants(process.pid))
            if _workers(seen) >= 2:
                break
            time.sleep(0.01)
        assert process.poll() is None, "setup: the scan ended before its workers were seen"
        assert seen, "setup: no worker processes started"
        time.sleep(0.2)
        seen.update(_descendants(process.pid))
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail("hung: still running after SIGTERM")
        grace = time.monotonic() + 5
        while _alive(seen) and time.monotonic() < grace:
            time.sleep(0.1)
        left = {pid: _cmdline(pid) for pid in _alive(seen)}
        assert not left, f"processes left running after SIGTERM: {left}"
    finally:
        for pid in _alive(seen):  # only the processes this test's CLI started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _kill_group(process.pid)
        process.wait()
        assert process.stderr is not None
        process.stderr.close()


def _listing(root: Path) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (folder == str(root) and d == ".git")]
        rel = os.path.relpath(folder, root)
        found.update(os.path.normpath(os.path.join(rel, name)) for name in [*dirs, *files])
    return found


@pytest.mark.parametrize("where", ["READINESS_CACHE_DIR", "relative-READINESS_CACHE_DIR",
                                   "XDG_CACHE_HOME", "HOME"])
def test_cache_is_never_written_into_the_repository(tmp_path: Path, where: str) -> None:
    repo = attacks.pilot_repo(tmp_path / "repo")
    changes: dict[str, str | None] = {
        "READINESS_CACHE_DIR": {"READINESS_CACHE_DIR": str(repo / ".readiness-cache")},
        "relative-READINESS_CACHE_DIR": {"READINESS_CACHE_DIR": ".readiness-cache"},
        "XDG_CACHE_HOME": {"READINESS_CACHE_DIR": None, "XDG_CACHE_HOME": str(repo / ".cache")},
        "HOME": {"READINESS_CACHE_DIR": None, "HOME": str(repo)},
    }[where]
    env = cli_env(tmp_path, **changes)
    before = _listing(repo)
    run = run_cli(["check", ".", "--date", DAY, "-f", "json"], cwd=repo, env=env)
    assert_sane(run)
    assert _listing(repo) - before == set(), "the cache was written inside the repository"


def test_pilot_start_in_the_future_is_not_go(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"app.py": attacks.LLM_APP,
                       "readiness.yaml": "version: 1\ntimeline: {pilot_start: 2030-01-01}\n"})
    run = run_cli(["check", str(repo), *SCAN], cwd=tmp_path, env=env)
    assert_sane(run)
    card = card_of(run)
    blockers = [r for r in card["results"]
                if r["severity"] == "blocker" and (r.get("observed") or r["status"]) == "fail"]
    assert blockers, "setup: no failing blocker"
    assert card["verdict"] != "GO", card["reasons"]
