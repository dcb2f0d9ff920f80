"""MFA from anywhere: credential-process and exec ask the running TUI for a code over the private socket."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator

import pytest

from stsui.agent.mfa_relay import MfaRelay
from tests.support.home import Home


@pytest.fixture
def relay(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """A TUI stand-in: records who asked, then enters a code for the role through the real engine."""
    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    from stsui.cli.wiring import load_engine

    engine = load_engine(None)
    asked: list[tuple[str, str]] = []

    def answer(role: str, asker: str) -> str | None:
        asked.append((role, asker))
        engine.start_mfa_session(engine.config.role(role), "123456")
        return None

    relay = MfaRelay(answer)
    relay.start()
    yield asked
    relay.stop()


def test_credential_process_asks_the_tui_and_then_succeeds(home: Home, relay: list[tuple[str, str]]) -> None:
    socket_file = home.cache / "mfa.sock"
    assert stat.S_IMODE(socket_file.stat().st_mode) == 0o600
    result = home.run("credential-process", "mfa-ops")
    assert result.returncode == 0, result.stderr
    assert '"AccessKeyId"' in result.stdout
    assert [role for role, _ in relay] == ["mfa-ops"]
    assert "credential-process" in relay[0][1]
    # the MFA session is cached now: another MFA role on the same device asks nobody
    assert home.run("credential-process", "mfa-audit").returncode == 0
    assert len(relay) == 1


def test_exec_without_a_terminal_asks_the_tui(home: Home, relay: list[tuple[str, str]]) -> None:
    result = home.run("exec", "mfa-ops", "--", sys.executable, "-c", "pass", input="")
    assert result.returncode == 0, result.stderr
    assert [role for role, _ in relay] == ["mfa-ops"]


def test_with_no_tui_the_caller_fails_at_once_with_a_sentence(home: Home) -> None:
    result = home.run("credential-process", "mfa-ops", timeout=20)
    assert result.returncode == 1
    assert "no stsui TUI is running" in result.stderr and "stsui assume mfa-ops" in result.stderr
