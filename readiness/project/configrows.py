"""One config file parsed as plain rows: what every format's parser returns.

A parse is a function of the file's text alone, kept between runs by ``Project.facts``, so it
is made of plain values: how the file was read (a :class:`Kind`'s value), its entries as
(line, dotted key, scalar value, document) rows and its Terraform blocks. A file that cannot
be read raises :class:`Unparsable` with the reason.
"""

from __future__ import annotations

import enum

from readiness.project.hclscan import HclBlock, Scalar

MAX_ENTRIES = 50_000  # more values than this is data, not config


class Kind(enum.Enum):
    """How a config file was read."""

    YAML = "yaml"
    JSON = "json"
    TOML = "toml"
    TERRAFORM = "terraform"
    TEMPLATE = "template"  # a Helm template that only a line scan could read


class Unparsable(Exception):
    """A config file that could not be read; the message is the reason it was skipped."""


# One file parsed, as plain values that can be kept between runs: how it was read (a Kind's
# value), its entries as (line, key, value, document) and its Terraform blocks.
Row = tuple[int, str, Scalar, int]
Parsed = tuple[str, tuple[Row, ...], tuple[HclBlock, ...]]
