"""The export lines `stsui env` prints, read back the way each shell's grammar reads them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from stsui.domain.exports import env_lines
from stsui.domain.model import Credentials, Session

PS_QUOTES = "'\u2018\u2019\u201a\u201b"
"""PowerShell's language spec: single-quote-character is any of these; two in a row stand for one."""


def powershell_verbatim(text: str) -> tuple[str, str]:
    """Read one single-quoted PowerShell string at the start of `text`: (its value, what follows it)."""
    assert text[0] in PS_QUOTES, text
    value, index = [], 1
    while index < len(text):
        char = text[index]
        if char in PS_QUOTES:
            if index + 1 < len(text) and text[index + 1] in PS_QUOTES:
                value.append(char)
                index += 2
                continue
            return "".join(value), text[index + 1 :]
        value.append(char)
        index += 1
    raise AssertionError(f"unterminated string: {text!r}")


def session(secret: str) -> Session:
    credentials = Credentials("ASIAEXAMPLE", secret, "token", datetime(2030, 1, 1, tzinfo=UTC))
    return Session("r", credentials, "arn:aws:sts::111111111111:assumed-role/R/s", region="eu-west-1")


@given(st.text(alphabet=st.sampled_from("ab $`\"'\u2018\u2019\u201a\u201b;\\")))
def test_powershell_single_quotes_hold_every_quote_character(secret: str) -> None:
    lines = env_lines(session(secret), "powershell").splitlines()
    line = next(line for line in lines if line.startswith("$Env:AWS_SECRET_ACCESS_KEY = "))
    value, rest = powershell_verbatim(line.removeprefix("$Env:AWS_SECRET_ACCESS_KEY = "))
    assert (value, rest) == (secret, "")


def test_a_typographic_quote_cannot_end_the_string_early() -> None:
    line = env_lines(session("x\u2019; Remove-Item -Recurse ~ ;\u2018"), "powershell")
    assert re.search(r"= 'x\u2019\u2019; Remove-Item -Recurse ~ ;\u2018\u2018'$", line, re.MULTILINE)
