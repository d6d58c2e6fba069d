"""JSON values written one after another (pretty-printed, not one per line), streamed.

OpenTelemetry's ``ConsoleSpanExporter`` writes each span as an indented JSON object
followed by a newline, so a file of them is neither one JSON document nor JSON Lines.
:func:`json_values` reads such a file in chunks with ``json.JSONDecoder.raw_decode``,
holding at most ``limit`` characters of one value: a longer value, or one that does not
parse, is reported (with the line it starts on) and skipped to the next line that opens
an object at column 0, which is where a pretty-printer starts the next top-level value.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from readiness.telemetry.values import DECODER, MalformedRecord

CHUNK = 64 * 1024
_NEXT = "\n{"  # a top-level object starts at column 0; nested ones are indented


def _ends_early(exc: ValueError, buf: str) -> bool:
    """Whether a decode error is the text running out, not a wrong character."""
    position = getattr(exc, "pos", 0)
    message = getattr(exc, "msg", "")
    return message.startswith("Unterminated string") or position >= len(buf.rstrip())


def json_values(handle: BinaryIO, limit: int) -> Iterator[tuple[int, object]]:
    """(line, value) for every top-level JSON value; a MalformedRecord as the value for
    one that is too long, truncated or invalid."""
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    line = 1
    eof = False

    def read(size: int) -> str:
        nonlocal eof
        data = handle.read(size)
        if not data:
            eof = True
            return utf8.decode(b"", final=True)
        return utf8.decode(data)

    def skip_to_next() -> None:
        """Drop the current value: up to the next object at column 0, reading in chunks."""
        nonlocal buf, line
        while True:
            found = buf.find(_NEXT, 1)
            if found >= 0:
                line += buf.count("\n", 0, found + 1)
                buf = buf[found + 1:]
                return
            if eof:
                buf = ""
                return
            keep = buf[-1:]  # a "\n" at the end may be followed by "{"
            line += buf.count("\n", 0, len(buf) - 1)
            buf = keep + read(CHUNK)

    while True:
        stripped = buf.lstrip()
        line += buf.count("\n", 0, len(buf) - len(stripped))
        buf = stripped
        if not buf:
            if eof:
                return
            buf = read(CHUNK)
            continue
        try:
            value, end = DECODER.raw_decode(buf)  # strict: no NaN, no overflowing floats
        except (MalformedRecord, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, MalformedRecord) else "JSON nested too deeply"
            yield line, MalformedRecord(reason)
            skip_to_next()
            continue
        except ValueError as exc:
            broken_before_next = buf.find(_NEXT, 1) >= 0
            if not broken_before_next and not eof and len(buf) <= limit:
                buf += read(max(CHUNK, len(buf)))  # doubling: linear overall
                continue
            if len(buf) > limit and not broken_before_next:
                reason = f"value longer than {limit:,} characters; skipped"
            elif eof and not broken_before_next and _ends_early(exc, buf):
                reason = "truncated JSON value at the end of the file"
            else:
                reason = f"invalid JSON ({str(exc)[:80]})"
            yield line, MalformedRecord(reason)
            skip_to_next()
            continue
        if end > limit:
            yield line, MalformedRecord(f"value longer than {limit:,} characters; skipped")
        else:
            yield line, value
        line += buf.count("\n", 0, end)
        buf = buf[end:]
