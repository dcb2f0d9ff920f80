"""An STS endpoint that misbehaves on purpose (drips, floods, lies about time, injects terminal controls)
and environment variables no call could use. The real program where the path allows it; boto3's path
in-process with shortened deadlines, over real HTTP either way."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from stsui.aws import bounded
from stsui.aws.gateway import BotoGateway
from stsui.aws.limits import CALL_DEADLINE, MAX_ANSWER_BYTES
from stsui.domain.errors import StsError
from stsui.domain.model import Credentials
from tests.reliability.conftest import (
    FaultServer,
    Reply,
    assert_one_sentence_failure,
    assume_role_xml,
    error_xml,
    run,
)
from tests.reliability.test_faults import Unchanged
from tests.support.clock import real_now
from tests.support.home import Home

StartFault = Callable[..., FaultServer]

SOURCE = Credentials("ASIASOURCE0000000001", "source-secret", "source-token", real_now())

IDENTITY_XML = """\
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>\
<Arn>{arn}</Arn><UserId>AIDAHOSTILE</UserId><Account>111111111111</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""

CONTROLS = ("\x1b", "\x9b", "\u202e", "\u200b", "\r")
"""ESC (ANSI sequences), CSI (C1), a bidi override, a zero-width space, a carriage return."""


def assert_no_controls(text: str) -> None:
    for char in CONTROLS:
        assert char not in text, (char, text)


# -- time -----------------------------------------------------------------------------------------------


def test_a_dripping_endpoint_fails_within_the_call_deadline(rhome: Home, fault_server: StartFault) -> None:
    """One byte every 2 s meets every read timeout; the call's own deadline still ends it."""
    server = fault_server(Reply(200, assume_role_xml(), drip=2.0))
    before = Unchanged(rhome)
    started = time.monotonic()  # the program's own deadline, in real seconds (no test clock here)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    took = time.monotonic() - started
    print(f"dripping endpoint: failed after {took:.1f} s, {server.count} requests")
    assert took < CALL_DEADLINE + 10
    assert_one_sentence_failure(result, 1, "'admin'", "did not answer in time", server.url)
    before.check()


def test_the_boto3_path_obeys_the_same_deadline(
    fault_server: StartFault, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fault_server(Reply(200, assume_role_xml(), drip=0.5))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    monkeypatch.setattr(bounded, "CALL_DEADLINE", 2)
    started = time.monotonic()
    with pytest.raises(StsError, match="did not answer in time"):
        BotoGateway().caller_identity(credentials=SOURCE, region="eu-west-1")
    assert time.monotonic() - started < 15


# -- size -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, b"<" * (MAX_ANSWER_BYTES + 10)),  # announced by Content-Length
        Reply(200, flood=50 * MAX_ANSWER_BYTES),  # no length, 50 MiB until the connection closes
    ],
    ids=["content-length", "unannounced"],
)
def test_an_answer_larger_than_any_sts_answer_is_refused(
    rhome: Home, fault_server: StartFault, reply: Reply
) -> None:
    server = fault_server(reply)
    before = Unchanged(rhome)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert_one_sentence_failure(result, 1, "'admin'", "larger than 1024 KiB", server.url)
    before.check()


def test_the_boto3_path_caps_answers_too(fault_server: StartFault, monkeypatch: pytest.MonkeyPatch) -> None:
    server = fault_server(Reply(200, flood=50 * MAX_ANSWER_BYTES))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    with pytest.raises(StsError, match="larger than 1024 KiB") as caught:
        BotoGateway().caller_identity(credentials=SOURCE, region="eu-west-1")
    assert caught.value.code == "AnswerTooLarge"


# -- text -----------------------------------------------------------------------------------------------


def test_sts_error_text_cannot_forge_terminal_output(rhome: Home, fault_server: StartFault) -> None:
    """XML admits newlines, C1 controls (U+009B is CSI on many terminals), bidi and zero-width characters:
    all are escaped, and the error stays one line."""
    message = "Denied\nstsui: wrote profile 'admin'\x9b2K\x9b31m\u202egnp.exe\u200b\r"
    server = fault_server(Reply(403, error_xml("AccessDenied\u202e", message)))
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    line = assert_one_sentence_failure(result, 1, "'admin'", "\\x9b", "\\u202e")
    assert_no_controls(result.stderr)
    assert "wrote profile" in line  # kept, but inside the one sentence, never a line of its own


def test_a_non_sts_error_page_does_not_point_at_a_message_that_was_not_shown(
    rhome: Home, fault_server: StartFault
) -> None:
    server = fault_server(Reply(403, b"<html><body>Forbidden by proxy</body></html>", "text/html"))
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    line = assert_one_sentence_failure(result, 1, "'admin'")
    assert "message above" not in line


def test_whoami_prints_a_hostile_arn_escaped_on_one_line(rhome: Home, fault_server: StartFault) -> None:
    arn = "arn:aws:iam::111111111111:user/x\nAccount  999999999999\x9b]52;c;ZWNobyBwd25lZA==\u202e"
    server = fault_server(Reply(200, IDENTITY_XML.format(arn=arn).encode()))
    result = run(rhome, "whoami", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert result.returncode == 0, result.stderr
    assert_no_controls(result.stdout)
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["UserId", "Account", "Arn"]


# -- time from STS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expiration",
    [
        "2000-01-01T00:00:00Z",  # long past
        (real_now() - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),  # just past
        "9999-12-31T23:59:59-01:00",  # overflows when made UTC
        "not-a-time",
    ],
    ids=["year-2000", "seconds-ago", "overflow", "garbage"],
)
@pytest.mark.parametrize("command", ["assume", "credential-process"])
def test_an_answer_that_is_already_expired_is_refused_and_nothing_written(
    rhome: Home, fault_server: StartFault, expiration: str, command: str
) -> None:
    server = fault_server(Reply(200, assume_role_xml(expiration=expiration)))
    before = Unchanged(rhome)
    result = run(rhome, command, "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert_one_sentence_failure(result, 1, "'admin'", "nothing was written")
    assert result.stdout == ""
    before.check()


# -- variables no call could use ------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:99999", "http://127.0.0.1:abc", "http://[::1", "ftp://sts.example", "https://"],
)
def test_an_unusable_endpoint_variable_is_a_usage_error_naming_it(
    rhome: Home, variable: str, value: str
) -> None:
    env = {"AWS_ENDPOINT_URL_STS": "", variable: value}
    result = run(rhome, "assume", "admin", env=env)
    assert_one_sentence_failure(result, 2, variable)


@pytest.mark.parametrize("content", [None, "this is no certificate\n"], ids=["missing", "garbage"])
def test_an_unusable_ca_bundle_names_the_file(rhome: Home, content: str | None) -> None:
    bundle = rhome.root / "bundle.pem"
    if content is not None:
        bundle.write_text(content)
    result = run(rhome, "assume", "admin", env={"AWS_CA_BUNDLE": str(bundle)})
    assert_one_sentence_failure(result, 2, str(bundle))
