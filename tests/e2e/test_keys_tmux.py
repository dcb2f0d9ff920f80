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


def test_mfa_process_gets_the_terminal_so_touch_your_yubikey_reaches_the_user(home: Home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ykman = tmp_path / "ykman"
    ykman.write_text('#!/bin/sh\n[ -t 0 ] || exit 1\necho "Touch your YubiKey..." >&2\necho 123456\n')
    ykman.chmod(0o755)
    home.roles.write_text(
        '[defaults]\nsource_profile = "default"\nregion = "eu-west-1"\n\n'
        '[roles.yubi]\nrole_arn = "arn:aws:iam::333333333333:role/Ops"\n'
        'mfa_serial = "arn:aws:iam::999999999999:mfa/tester"\n'
        'mfa_process = "ykman oath accounts code --single aws"\n'
    )
    env = {**home.env, "PATH": f"{tmp_path}:{home.env['PATH']}"}
    # botocore runs credential_process with stderr on a pipe: the prompt still reaches the terminal
    stsui = f"{shlex.quote(sys.executable)} -m stsui"
    command = f"{stsui} credential-process yubi 2>/dev/null >/dev/null; echo EXIT=$?; read done"
    terminal = Terminal(home.root)
    try:
        terminal.start(["bash", "-c", command], env)
        screen = terminal.wait_for_text("EXIT=")
    finally:
        terminal.close()
    assert "Touch your YubiKey..." in screen and "EXIT=0" in screen
