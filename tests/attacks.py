"""Payload builders for the hostile-repository attacks of issue #12 (tests/test_attacks.py).

Every payload that runs proves it by appending a line to a *marker* file outside the scanned
repository: the tests assert that the marker never appears. Builders only write files; they
never run the tool.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import zlib
from pathlib import Path

from tests.conftest import git, init_repo, write_files

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pilot-app"

# Every hook name git knows (githooks(5)), so that whichever one a command fires is armed.
HOOK_NAMES = (
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite",
    "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
)

# Standard-library modules a Python process (the CLI, a spawned worker, the resource
# tracker) imports on its way in; a repository that ships files of these names shadows them
# whenever the repository's folder is on sys.path.
SHADOWED_PACKAGES = ("multiprocessing", "concurrent")
SHADOWED_MODULES = ("zlib", "pickle", "runpy", "socket", "selectors", "tempfile", "signal",
                    "threading", "queue", "struct", "copyreg", "weakref")

# An LLM call without a timeout: gives every check something to report about the file.
LLM_APP = '''\
import os

from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def summarize(text: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarize: {text}"}],
    )
    return response.choices[0].message.content
'''


# ---- payloads --------------------------------------------------------------------------------


def shell_payload(path: Path, marker: Path, then: str = "exit 0") -> Path:
    """An executable shell script that records its run (name and arguments) in ``marker``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "ran: $0 $*" >> "{marker}"\n{then}\n')
    path.chmod(0o755)
    return path


def python_payload(marker: Path) -> str:
    """Source of a module that records its import in ``marker`` and then hands over to the
    real standard-library module of the same name, so the importing process goes on as if
    nothing happened (the stealthy form of the attack)."""
    return f'''\
import os as _os
import sys as _sys

with open({str(marker)!r}, "a") as _out:
    _out.write(f"imported {{__name__}} from {{__file__}} pid={{_os.getpid()}} "
               f"argv={{_sys.argv!r}}\\n")

_here = _os.path.dirname(_os.path.abspath(__file__))
if _os.path.basename(__file__) == "__init__.py":
    _here = _os.path.dirname(_here)
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
del _sys.modules[__name__]
import importlib as _importlib

_sys.modules[__name__] = _importlib.import_module(__name__)
'''


def shadow_stdlib(root: Path, marker: Path) -> None:
    """Commit-ready files that shadow standard-library modules with ``python_payload``."""
    files: dict[str, str | bytes] = {f"{name}/__init__.py": python_payload(marker)
                                     for name in SHADOWED_PACKAGES}
    files.update({f"{name}.py": python_payload(marker) for name in SHADOWED_MODULES})
    write_files(root, files)


def many_python_files(root: Path, count: int, body: str = "") -> None:
    """``count`` small Python modules in folders of 100 (a big scan: worker processes)."""
    for index in range(count):
        folder = root / "pkg" / f"d{index // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{index}.py").write_text(f"VALUE_{index} = {index}\n{body}")


# ---- repositories ----------------------------------------------------------------------------


def pilot_repo(root: Path, *, history: bool = True) -> Path:
    """The example pilot (LLM code, prompts, evals, telemetry, readiness.yaml) as a git
    repository whose history changes the prompt and the model settings, so that the
    eval-freshness check reads the history (``git log -p``, ``git cat-file``)."""
    shutil.copytree(EXAMPLE, root)
    init_repo(root, date="2026-09-10T12:00:00+00:00")
    if history:
        prompt = root / "prompts" / "extract.txt"
        prompt.write_text(prompt.read_text() + "\nAnswer in JSON.\n")
        git(root, "commit", "-qam", "prompt: ask for JSON", date="2026-10-20T12:00:00+00:00")
        app = root / "app" / "summarise.py"
        app.write_text(app.read_text().replace("gpt-4o", "gpt-4.1"))
        git(root, "commit", "-qam", "model upgrade", date="2026-11-02T12:00:00+00:00")
    return root


def make_stat_dirty(root: Path, rel: str = "app/extract.py") -> None:
    """Change a tracked file's mtime (not its content): git must refresh the index, which
    reads attributes, runs filters and fsmonitor, and rewrites the index."""
    path = root / rel
    info = path.stat()
    os.utime(path, (info.st_atime + 3600, info.st_mtime + 3600))


def fake_signed_commit(root: Path) -> str:
    """Rewrite HEAD as a commit carrying a (bogus) PGP signature: ``git log`` with
    ``log.showSignature`` hands it to ``gpg.program`` to verify."""
    raw = git(root, "cat-file", "commit", "HEAD")
    head, _, message = raw.partition("\n\n")
    signature = ("gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEEbogus\n"
                 " -----END PGP SIGNATURE-----")
    commit = root / ".git" / "signed-commit.txt"
    commit.write_text(f"{head}\n{signature}\n\n{message}")
    sha = git(root, "hash-object", "-t", "commit", "-w", str(commit)).strip()
    commit.unlink()
    git(root, "update-ref", "HEAD", sha)
    return sha


def git_executable_in(root: Path, marker: Path) -> Path:
    """A committed executable named ``git`` that records its run and then runs the real git
    (so that the scan goes on normally and the attack goes unnoticed)."""
    real = shutil.which("git") or "/usr/bin/git"
    return shell_payload(root / "git", marker, then=f'exec {real} "$@"')


def deep_path(depth: int = 30, name_length: int = 120) -> str:
    """A path that makes glob-to-regex translations backtrack: many folders, a long name of
    one letter and no ``b`` where the pattern wants one."""
    return "/".join(["a"] * depth) + "/" + "a" * name_length + ".py"


PATHOLOGICAL_GLOB = "**/" * 50 + "*a*a*a*a*a*a*a*a*b"


# ---- big or endless inputs -------------------------------------------------------------------


def zip_bomb_eval(path: Path, *, inflated: int, declared: int | None = None) -> Path:
    """An Inspect ``.eval`` archive: a small valid ``header.json`` and one sample member
    that inflates to ``inflated`` bytes of JSON (spaces around ``{}``) from a few MB.

    ``declared`` is the uncompressed size written into the zip headers (default: the true
    size); a smaller one is a lying archive. The deflate stream is one block of 1 MiB of
    spaces, compressed once after a full flush (so it refers to nothing before it) and
    repeated, which writes a GiB-sized bomb in well under a second."""
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats, rest = divmod(max(inflated - 2, 0), len(chunk))
    tail_comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_comp.compress(b" " * rest + b"{}") + tail_comp.flush()
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(b" " * rest + b"{}", crc)
    true_size = repeats * len(chunk) + rest + 2
    header = (b'{"version": 2, "status": "success", "eval": {"task": "bomb", "created": '
              b'"2026-11-01T10:00:00+00:00", "task_id": "x", "run_id": "y"}, '
              b'"results": {"scores": [{"name": "match", "scorer": "match"}]}}')
    members = [("header.json", zlib.crc32(header), header, len(header), len(header), 0),
               ("samples/1_epoch_1.json", crc, None, declared if declared is not None
                else true_size, repeats * len(block) + len(tail), 8)]
    path.parent.mkdir(parents=True, exist_ok=True)
    central = b""
    with open(path, "wb") as out:
        for name, member_crc, data, size, csize, method in members:
            offset = out.tell()
            encoded = name.encode()
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21,
                                  member_crc, csize, size, len(encoded), 0) + encoded)
            if data is not None:
                out.write(data)
            else:
                for _ in range(repeats):
                    out.write(block)
                out.write(tail)
            central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method,
                                   0, 0x21, member_crc, csize, size, len(encoded), 0, 0, 0,
                                   0, 0o644 << 16, offset) + encoded
        start = out.tell()
        out.write(central)
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                              len(central), start, 0))
    return path


def huge_line_telemetry(path: Path, size: int) -> Path:
    """One JSON line of about ``size`` bytes: a raw OpenAI Chat Completions response (a
    recognised telemetry format) whose message content is one enormous string."""
    head = (b'{"id": "chatcmpl-1", "object": "chat.completion", "created": 1790000000, '
            b'"model": "gpt-4o-mini", "choices": [{"index": 0, "finish_reason": "stop", '
            b'"message": {"role": "assistant", "content": "')
    tail = (b'"}}], "usage": {"prompt_tokens": 10, "completion_tokens": 20, '
            b'"total_tokens": 30}}\n')
    chunk = b"x" * (1 << 20)
    with open(path, "wb") as out:
        out.write(head)
        for _ in range(max(size - len(head) - len(tail), 0) // len(chunk)):
            out.write(chunk)
        out.write(tail)
    return path


def make_fifo(path: Path) -> Path:
    """A named pipe nobody writes to: opening it for reading blocks forever."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    return path


# ---- names that steer CI logs ----------------------------------------------------------------

# GitHub Actions / Azure Pipelines read workflow commands from any log line that starts with
# "::" or contains "##[": a file name must not be able to write one.
STEERING_NAMES = (
    "x##[error]evil.py",
    "ok\n::warning::evil.py",
    "::error::evil.py",
    "cr\r::error file=a.py::evil.py",
)
