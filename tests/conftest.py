"""Shared test rig: every test runs in a throwaway HOME with no AWS variables from the outside world.

The helpers themselves live in `tests/support/`; this file only turns them into fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.clock import clock_guard, real_now
from tests.support.home import Home, build_home
from tests.support.keyring_daemon import KeyringDaemon, missing
from tests.support.moto import moto_server
from tests.support.sso_fake import SsoFake

settings.register_profile("stsui", deadline=None)
settings.load_profile("stsui")
"""No hypothesis example has a deadline: a wall-clock limit fails under load (the prompt's differential test
took 307 ms once against the default 200 ms, and 1 ms when replayed). Speed is the benchmark's job."""

AWS_PREFIXES = ("AWS_", "STSUI_", "XDG_")
KEYRING_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "DISPLAY", "WAYLAND_DISPLAY")
"""No test reaches the user's own keyring (or opens a prompt on their display): those that need one get
a private one (`os_keyring`)."""


@pytest.fixture(autouse=True)
def one_clock() -> Iterator[None]:
    """A test that froze a clock must not read the real one (tests/support/clock.py)."""
    with clock_guard():
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the real ~/.aws, config or cache."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(AWS_PREFIXES) or name in KEYRING_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's STS as a real HTTP server on loopback, one per test process."""
    with moto_server() as url:
        yield url


@pytest.fixture
def home(isolated_home: Path, moto_url: str) -> Home:
    """A user with base keys, hand-written credentials, a roles file and STS at moto."""
    return build_home(isolated_home, moto_url)


@pytest.fixture
def sso_clock() -> Callable[[], datetime]:
    """The clock the SSO fake stamps times with: the real one, for tests of the real program; a module
    with a frozen clock overrides this fixture with its own."""
    return real_now


@pytest.fixture
def sso_fake(monkeypatch: pytest.MonkeyPatch, sso_clock: Callable[[], datetime]) -> Iterator[SsoFake]:
    """The loopback IAM Identity Center (portal and OIDC), with both endpoint variables pointing at it."""
    fake = SsoFake(sso_clock).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", fake.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake.url)
    yield fake
    fake.stop()


def _daemon(tmp_path_factory: pytest.TempPathFactory, *, unlocked: bool) -> Iterator[KeyringDaemon]:
    reason = missing()
    if reason:
        pytest.skip(reason)
    daemon = KeyringDaemon(tmp_path_factory.mktemp("keyring"), unlocked=unlocked).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def keyring_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyringDaemon]:
    """A real gnome-keyring, login keyring unlocked, on a private D-Bus session; one per test process."""
    yield from _daemon(tmp_path_factory, unlocked=True)


@pytest.fixture(scope="session")
def locked_keyring_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyringDaemon]:
    """A real gnome-keyring whose login keyring is locked (and no display to ask on)."""
    yield from _daemon(tmp_path_factory, unlocked=False)


@pytest.fixture
def os_keyring(keyring_daemon: KeyringDaemon, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringDaemon]:
    """The private keyring for this test (empty at its start), for this process and the programs it runs."""
    keyring_daemon.clear()
    for key, value in keyring_daemon.client_env().items():
        monkeypatch.setenv(key, value)
    yield keyring_daemon
    keyring_daemon.clear()
