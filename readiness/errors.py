"""Errors the engine raises for the CLI to turn into one line and exit code 2."""

from __future__ import annotations


class ReadinessError(Exception):
    """A user-facing error: bad input, bad config, bad usage. Never shown as a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return one_line(where + self.message)


class ConfigError(ReadinessError):
    """readiness.yaml (or a policy file) is malformed or invalid."""


class InputError(ReadinessError):
    """An eval, telemetry or scorecard file cannot be read as what it claims to be."""


class RegistryError(ReadinessError):
    """Checks cannot be assembled: duplicate codes or names, a broken plugin."""


def one_line(text: str, limit: int = 2000) -> str:
    """Collapse whitespace and control characters so an error is exactly one printable line."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
