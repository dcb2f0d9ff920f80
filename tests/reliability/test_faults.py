"""STS misbehaving on the wire (hung, throttling, failing, unreachable, garbled) and hostile names on the
command line and in the roles file. The real program, over real HTTP."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from stsui.aws.limits import MAX_ATTEMPTS, READ_TIMEOUT
from tests.reliability.conftest import (
    HANG,
    FaultServer,
    Reply,
    assert_one_sentence_failure,
    assume_role_xml,
    error_xml,
    parse_ini,
    run,
    spawn,
    tree_snapshot,
)
from tests.support.home import Home
from tests.support.threads import held_signals, helper_threads

HUNG_BOUND = 30.0
"""connect 3 s / read 5 s, 3 attempts in standard mode: 3 reads of 5 s plus backoff, well under this."""

StartFault = Callable[..., FaultServer]


class Unchanged:
    """Snapshot of everything a failed command must leave alone: the credentials file and its directory,
    and the session cache."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.credentials = home.credentials.read_bytes()
        self.aws_dir = tree_snapshot(home.credentials.parent)

    def check(self) -> None:
        assert self.home.credentials.read_bytes() == self.credentials
        assert tree_snapshot(self.home.credentials.parent) == self.aws_dir
        assert not self.home.cache.exists() or not list(self.home.cache.rglob("*.json"))


def test_hung_endpoint_fails_in_bounded_time(rhome: Home, fault_server: StartFault) -> None:
    """A server that accepts and never answers: a clear sentence within the documented bound; nothing
    written."""
    server = fault_server(HANG)
    before = Unchanged(rhome)
    started = time.monotonic()  # the program's own deadline, in real seconds (no test clock here)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url}, timeout=HUNG_BOUND + 30)
    took = time.monotonic() - started
    print(f"hung endpoint: failed after {took:.1f} s, {server.count} requests")
    assert took < HUNG_BOUND
    assert_one_sentence_failure(result, 1, "'admin'", "did not answer in time", server.url)
    assert server.count == MAX_ATTEMPTS
    before.check()


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "Throttling"), (500, "InternalFailure"), (503, "ServiceUnavailable")],
)
def test_throttling_and_server_errors_are_retried_then_reported(
    rhome: Home, fault_server: StartFault, status: int, code: str
) -> None:
    """Throttling and 5xx: retried with backoff (every attempt reaches the server), then one sentence
    with the AWS error code; nothing written."""
    kind = "Receiver" if status >= 500 else "Sender"
    server = fault_server(Reply(status, error_xml(code, "Rate exceeded", kind)))
    before = Unchanged(rhome)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    gaps = [round(b - a, 2) for a, b in zip(server.arrivals, server.arrivals[1:], strict=False)]
    print(f"{status} {code}: {server.count} requests, gaps {gaps} s")
    assert server.count == MAX_ATTEMPTS > 1
    assert set(server.actions) == {"AssumeRole"}
    assert_one_sentence_failure(result, 1, "'admin'", code)
    before.check()


def test_bare_503_without_an_aws_body_is_reported_cleanly(rhome: Home, fault_server: StartFault) -> None:
    """A load balancer's HTML 503 (no AWS error code at all): retried, then a sentence, nothing written."""
    page = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
    server = fault_server(Reply(503, page, "text/html"))
    before = Unchanged(rhome)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert server.count == MAX_ATTEMPTS
    assert_one_sentence_failure(result, 1, "'admin'", "503")
    before.check()


def test_non_retryable_error_is_not_retried(rhome: Home, fault_server: StartFault) -> None:
    """AccessDenied is final: one request, the code and the role in one sentence, nothing written."""
    server = fault_server(Reply(403, error_xml("AccessDenied", "not authorized to perform sts:AssumeRole")))
    before = Unchanged(rhome)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert server.count == 1
    assert_one_sentence_failure(result, 1, "'admin'", "AccessDenied")
    before.check()


def test_unreachable_endpoint_fails_cleanly(rhome: Home, closed_port_url: str) -> None:
    """Nothing listening: a sentence that says so and names the endpoint, exit 1, nothing written."""
    before = Unchanged(rhome)
    started = time.monotonic()
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": closed_port_url})
    took = time.monotonic() - started
    print(f"unreachable endpoint: failed after {took:.1f} s")
    assert took < HUNG_BOUND
    assert_one_sentence_failure(result, 1, "'admin'", "could not connect", closed_port_url)
    before.check()


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>captive portal: please log in</body></html>",
        b"not xml at all",
        b"<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>",
    ],
    ids=["html-page", "not-xml", "xml-without-credentials"],
)
def test_garbled_success_answer_fails_cleanly(rhome: Home, fault_server: StartFault, body: bytes) -> None:
    """HTTP 200 with a body that is not an STS answer (a captive portal, a proxy): one sentence that names
    the endpoint and does not echo the body, no traceback, nothing written."""
    server = fault_server(Reply(200, body, "text/html"))
    before = Unchanged(rhome)
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    line = assert_one_sentence_failure(result, 1, "'admin'", server.url)
    assert "not an STS response" in line
    assert body.decode() not in line
    before.check()


def test_503_then_success_is_retried_into_a_written_profile(rhome: Home, fault_server: StartFault) -> None:
    """One 503, then a valid answer: the command succeeds and writes exactly the answered session."""
    answer = assume_role_xml(key="ASIARETRIEDOK0000001")
    unavailable = Reply(503, error_xml("ServiceUnavailable", "try later", "Receiver"))
    server = fault_server(unavailable, Reply(200, answer))
    original = rhome.credentials.read_text()
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert result.returncode == 0, result.stderr
    assert server.count == 2
    assert "wrote profile 'admin'" in result.stdout
    text = rhome.credentials.read_text()
    assert text.startswith(original)
    section = parse_ini(text)["admin"]
    assert section["aws_access_key_id"] == "ASIARETRIEDOK0000001"
    assert section["x_principal_arn"] == "arn:aws:sts::111111111111:assumed-role/Admin/tester"


def test_throttled_then_success_is_retried(rhome: Home, fault_server: StartFault) -> None:
    """Throttled twice, then answered: within the attempt budget, so the command succeeds."""
    throttled = Reply(400, error_xml("Throttling", "Rate exceeded"))
    server = fault_server(throttled, throttled, Reply(200, assume_role_xml(key="ASIATHROTTLEDOK00001")))
    result = run(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    assert result.returncode == 0, result.stderr
    assert server.count == 3
    assert parse_ini(rhome.credentials.read_text())["admin"]["aws_access_key_id"] == "ASIATHROTTLEDOK00001"


# -- hostile input: names that would inject INI structure -----------------------------------------------

HOSTILE_PROFILES = {
    "header-injection": "x]\n[default",
    "carriage-return-injection": "x\r[evil]",
    "surrounding-spaces": " spaced ",
    "DEFAULT": "DEFAULT",
    "DEFAULT-other-case": "DeFault",
    "bracket": "a[b",
    "tab": "tab\there",
    "terminal-escape": "\x1b[31mred",
}
USER_PROFILES = ("default", "personal")
"""The user's own long-term keys: never overwritten without --force."""

RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def assert_refused_untouched(result: subprocess.CompletedProcess[str], before: Unchanged) -> None:
    """Refused with exit 1 or 2 in one sentence that echoes no raw control character; file untouched."""
    assert result.returncode in (1, 2), (result.returncode, result.stdout)
    line = assert_one_sentence_failure(result, result.returncode)
    assert not RAW_CONTROL.search(line), repr(line)
    assert before.home.credentials.read_bytes() == before.credentials
    assert tree_snapshot(before.home.credentials.parent) == before.aws_dir


@pytest.mark.parametrize(
    "profile", [*HOSTILE_PROFILES.values(), *USER_PROFILES], ids=[*HOSTILE_PROFILES, *USER_PROFILES]
)
def test_profile_names_that_would_break_the_file_are_refused(rhome: Home, profile: str) -> None:
    """`--profile` values that would inject a section, leak into every profile or clobber the user's keys."""
    before = Unchanged(rhome)
    assert_refused_untouched(run(rhome, "assume", "admin", "--profile", profile), before)


def test_hostile_profile_names_are_refused_before_any_sts_call(rhome: Home, fault_server: StartFault) -> None:
    """Refusing a bad name must not cost an STS call (or an MFA code) nor leave a cached session."""
    server = fault_server(Reply(200, assume_role_xml()))
    env = {"AWS_ENDPOINT_URL_STS": server.url}
    for profile in HOSTILE_PROFILES.values():
        assert run(rhome, "assume", "admin", "--profile", profile, env=env).returncode in (1, 2)
    assert server.count == 0
    assert not rhome.cache.exists() or not list(rhome.cache.rglob("*.json"))


def test_empty_profile_is_refused(rhome: Home) -> None:
    """`--profile ""` is a mistake (an unset variable), not a request for the default profile."""
    before = Unchanged(rhome)
    assert_refused_untouched(run(rhome, "assume", "admin", "--profile", ""), before)


def test_hostile_role_name_on_the_command_line_is_refused(rhome: Home) -> None:
    """An unknown role name full of INI syntax and escapes: exit 2, one clean sentence."""
    before = Unchanged(rhome)
    result = run(rhome, "assume", "x]\n[default\x1b[2J")
    assert result.returncode == 2
    assert_refused_untouched(result, before)


HOSTILE_ROLES = {
    "bracket-in-role-name": '[roles."a]b"]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n',
    "newline-in-role-name": '[roles."x\\n[default]"]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n',
    "header-in-profile": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n'
    'profile = "x]\\n[default"\n',
    "DEFAULT-profile": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\nprofile = "DEFAULT"\n',
    "spaced-profile": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\nprofile = " spaced "\n',
    "newline-in-arn": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin\\n[default]"\n',
    "newline-in-region": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n'
    'region = "eu-west-1\\n[default]"\n',
    "escape-in-session-name": '[roles.ok]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n'
    'session_name = "a\\u001b[2Jb"\n',
}


@pytest.mark.parametrize("roles", HOSTILE_ROLES.values(), ids=HOSTILE_ROLES.keys())
def test_roles_file_values_that_would_break_the_file_are_refused(rhome: Home, roles: str) -> None:
    """Role names and values in the TOML that would inject INI structure: a configuration error (exit 2)
    naming the roles file, before anything is written."""
    path = rhome.root / "hostile.toml"
    path.write_text(roles)
    before = Unchanged(rhome)
    for args in (("assume", "ok"), ("list",)):
        result = run(rhome, "--config", str(path), *args)
        assert result.returncode == 2
        assert_refused_untouched(result, before)
        assert str(path) in result.stderr


def test_interrupt_during_a_hung_call_exits_promptly(rhome: Home, fault_server: StartFault) -> None:
    """Ctrl-C while STS hangs: exit 130 with one line, before any timeout fires; nothing written.

    Linux gives a signal sent to the process to any thread not holding it, and Python handles it in the main
    thread only: a SIGINT taken by the call's watchdog thread waited for the read timeout (5 s), and through
    boto3 for the whole call. So every helper thread holds SIGINT: the kernel gives it to the main one."""
    server = fault_server(HANG)
    before = Unchanged(rhome)
    process = spawn(rhome, "assume", "admin", env={"AWS_ENDPOINT_URL_STS": server.url})
    deadline = time.monotonic() + 30
    while server.count == 0:  # wait until the request hangs at the server
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    if sys.platform == "linux":
        helpers = helper_threads(process.pid)
        assert helpers, "the call runs with its watchdog thread"
        for tid in helpers:
            assert signal.SIGINT in held_signals(process.pid, tid), "a helper thread can take Ctrl-C"
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - interrupted < READ_TIMEOUT
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    assert_one_sentence_failure(result, 130, "interrupted")
    before.check()
