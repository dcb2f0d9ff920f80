"""Holding a fast path's reading of argv to the full parser's."""

from __future__ import annotations

import argparse

import pytest

from stsui.cli.parser import build_parser
from stsui.domain.errors import UsageError


def parsed_by_the_parser(argv: list[str]) -> argparse.Namespace:
    """What argparse makes of `argv`, which a fast path accepted; the test fails when argparse rejects it."""
    try:
        return build_parser().parse_args(argv)
    except (UsageError, SystemExit):
        pytest.fail(f"the fast path accepted {argv}, which the parser rejects")
