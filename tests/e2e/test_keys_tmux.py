"""`stsui keys add` in a real terminal (tmux): the secret access key is asked for without echo."""

from __future__ import annotations

import shlex
import shutil
import sys

import pytest

from tests.support.home import Home
from tests.support.keyring_daemon import KeyringDaemon
from tests.support.moto import iam_user
from tests.support.tmux import Terminal

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is missing")]


def test_keys_add_asks_on_the_terminal_and_never_shows_the_secret(
    home: Home, os_keyring: KeyringDaemon, moto_url: str
) -> None:
    arn, key_id, secret = iam_user(moto_url, "dave")
    env = {**home.env, **os_keyring.client_env()}
    command = f"{shlex.quote(sys.executable)} -m stsui keys add work; echo EXIT=$?; read done"
    terminal = Terminal(home.root)
    try:
        terminal.start(["bash", "-c", command], env)
        terminal.wait_for_text("Access key id for 'work':")
        terminal.send(key_id, "Enter")
        terminal.wait_for_text("Secret access key (not shown):")
        terminal.send(secret, "Enter")
        screen = terminal.wait_for_text("EXIT=0")
    finally:
        terminal.close()
    assert key_id in screen and arn in screen
    assert secret not in screen
    assert secret in os_keyring.entries()
