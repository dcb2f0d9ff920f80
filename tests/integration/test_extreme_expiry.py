"""A well-formed but extreme expiry (`9999-12-31T23:59:59-23:59` overflows when converted to UTC), run as a
user meets it: the real program against moto. One such foreign section is one "unreadable" line of
`list --all`; in stsui's own section it is expired, so `list`, `assume`, `env` and the prompt keep working
and the next assume renews it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.home import USER_CREDENTIALS, Home

EXTREMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "0001-01-01 00:00:00"]
SESSION = "aws_access_key_id = ASIAOLD\naws_secret_access_key = old-secret\naws_session_token = old-token\n"


def _one_sentence(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and done.stderr.count("\n") <= 1, done.stderr


@pytest.mark.parametrize("expiry", EXTREMES)
def test_a_foreign_section_with_an_extreme_expiry_is_one_unreadable_line(home: Home, expiry: str) -> None:
    foreign = f"\n[saml]\n{SESSION}x_security_token_expires = {expiry}\n"
    home.credentials.write_text(USER_CREDENTIALS + foreign)
    listed = home.run("list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = [row for row in json.loads(listed.stdout) if row["name"] == "saml"]
    assert row["note"] == "x_security_token_expires is not a time stsui can read"
    assert row["expires_at"] is None
    assert home.run("list", "--all").returncode == 0


@pytest.mark.parametrize("expiry", EXTREMES)
def test_stsuis_own_section_with_an_extreme_expiry_is_expired_and_renewed(home: Home, expiry: str) -> None:
    home.credentials.write_text(
        USER_CREDENTIALS + f"\n[prod-admin]\n{SESSION}x_security_token_expires = {expiry}\n"
        "x_stsui_role = prod-admin\n"
    )
    listed = home.run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = [row for row in json.loads(listed.stdout) if row["name"] == "prod-admin"]
    assert row["status"] == "expired"
    prompt = home.run("prompt", env={"AWS_PROFILE": "prod-admin"})
    assert (prompt.returncode, prompt.stdout, prompt.stderr) == (0, "prod-admin expired\n", "")
    env = home.run("env", "prod-admin")
    assert env.returncode == 0, env.stderr
    assert "old-token" not in env.stdout  # a new session, not the one with the unreadable expiry
    assumed = home.run("assume", "prod-admin")
    assert assumed.returncode == 0, assumed.stderr
    assert "old-token" not in home.credentials.read_text()
    after = json.loads(home.run("list", "--json").stdout)
    assert [row["status"] for row in after if row["name"] == "prod-admin"] == ["active"]


@pytest.mark.parametrize("expiry", EXTREMES)
def test_the_prompt_of_sts_env_with_an_extreme_expiry_says_expired(home: Home, expiry: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": "ASIAX", "STSUI_ROLE": "staging-ro", "AWS_CREDENTIAL_EXPIRATION": expiry}
    prompt = home.run("prompt", env=env)
    assert (prompt.returncode, prompt.stdout, prompt.stderr) == (0, "staging-ro expired\n", "")


FAST_PATHS = {
    "prompt": (["prompt"], "stsui.cli.quick_shell", "current_session"),
    "shell-roles": (["shell-roles"], "stsui.cli.quick_shell", "role_names"),
    "credential-process": (
        ["credential-process", "prod-admin"],
        "stsui.cli.quick",
        "plain_credential_process",
    ),
}


@pytest.mark.parametrize("path", list(FAST_PATHS))
def test_a_fast_path_that_fails_unexpectedly_says_one_sentence(home: Home, path: str) -> None:
    """The fast paths run before the full parser: an exception nobody foresaw in one of them is still one
    sentence on stderr and exit 1, never a traceback at every prompt or Tab."""
    argv, module, name = FAST_PATHS[path]
    probe = (
        f"import sys, {module} as m\n"
        "def boom(*args, **kwargs):\n    raise RuntimeError('nobody saw this coming')\n"
        f"m.{name} = boom\n"
        "from stsui.cli.main import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**home.env, "AWS_PROFILE": "prod-admin"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("stsui: unexpected RuntimeError: nobody saw this coming")
    _one_sentence(done)
