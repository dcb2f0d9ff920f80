"""Secrets reach stdout only where the user asked (`env`, `credential-process`), never stderr, never a file
other than the credentials file and the private cache; those files are 0600 in 0700 directories."""

from __future__ import annotations

import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    TRACEBACK,
    make_home,
    run,
    secrets_in,
)
from tests.support.home import Home
from tests.support.keyring_daemon import KeyringDaemon

UMASK = 0o000
"""Every run gets the laxest umask: a private mode must be set on purpose, not inherited."""

PRINTS_SECRETS = {"env", "credential-process"}

AWS_CONFIG = """\
[default]
region = eu-west-1

[profile imported]
role_arn = arn:aws:iam::777777777777:role/Imported
source_profile = default
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@dataclass
class Recorder:
    """Runs commands as the user would, gathering every output and every secret that ever existed."""

    home: Home
    closed_port_url: str
    outputs: list[tuple[tuple[str, ...], subprocess.CompletedProcess[str]]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def __call__(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
        result = run(self.home, *args, env=env, umask=UMASK)
        assert result.returncode == code, (args, result.returncode, result.stdout, result.stderr)
        assert TRACEBACK not in result.stderr, (args, result.stderr)
        self.outputs.append((args, result))
        self.secrets |= secrets_in(self.home)
        self.check_files()
        return result.stdout

    def secret_holders(self) -> set[Path]:
        holders = {self.home.credentials}
        if self.home.cache.exists():
            holders |= set(self.home.cache.rglob("*.json"))
        return holders

    def check_files(self) -> None:
        """Secrets only in the credentials file and the cache JSON, each 0600 in a 0700 directory."""
        holders = self.secret_holders()
        for path in holders:
            assert mode(path) == 0o600, path
            assert mode(path.parent) == 0o700, path.parent
        for path in self.home.root.rglob("*"):
            if path.is_file() and path not in holders:
                data = path.read_bytes()
                leaked = [s for s in self.secrets if s.encode() in data]
                assert not leaked, f"{path} holds a secret"


@pytest.fixture
def recorder(rhome: Home, closed_port_url: str) -> Recorder:
    (rhome.root / ".aws" / "config").write_text(AWS_CONFIG)
    return Recorder(rhome, closed_port_url)


def test_no_command_leaks_a_secret(recorder: Recorder) -> None:
    """Every command and its error paths: secrets only on stdout of env/credential-process."""
    home, do = recorder.home, recorder
    closed = {"AWS_ENDPOINT_URL_STS": recorder.closed_port_url}
    # setup commands
    do("--config", str(home.root / "starter.toml"), "init")
    assert "[roles.imported" in do("import")
    do("import", "--write")
    # error paths before any session exists
    do("assume", "mfa-ops", code=2)  # needs a code, no terminal
    do("assume", "mfa-ops", "--mfa-code", "12", code=2)
    do("credential-process", "mfa-ops", code=1)
    do("assume", "nosuch", code=2)
    do("assume", "admin", "--profile", "personal", code=1)
    do("whoami", "--profile", "nosuch", code=2)
    do("assume", "admin", env=closed, code=1)
    do("whoami", env=closed, code=1)
    do("assume", "admin", "--profile", "x]\n[default", code=2)  # a usage error, refused before any STS call
    # sessions
    do("list")
    do("assume", "admin")
    do("assume", "admin", "--json")
    do("assume", "readonly", "--json")
    do("assume", "mfa-ops", "--mfa-code", "123456")
    do("assume", "chained")
    do("assume", "imported")
    do("whoami")
    do("whoami", "--json")
    do("whoami", "--profile", "admin")
    assert "AWS_SECRET_ACCESS_KEY" in do("env", "admin")
    do("env", "readonly", "--shell", "fish")
    do("env", "mfa-ops", "--shell", "powershell")
    assert '"SessionToken"' in do("credential-process", "admin")
    do("credential-process", "chained")
    do("list")
    do("list", "--json")
    do("refresh")
    do("refresh", "admin", "--json")
    do("refresh", "readonly", "mfa-ops")
    do("assume", "admin", "--duration", "15m")
    do("refresh", "--json")
    # error paths with sessions around
    do("assume", "readonly", "--profile", "admin", code=1)  # admin's profile belongs to another role
    do("forget", "nosuch", code=2)
    do("env", "admin", env=closed)  # reused from the cache: no STS call needed
    do("refresh", "admin", env=closed, code=1)
    # a credentials file that AWS tools cannot parse: a secret pasted onto a line of its own (no "=" or ":")
    good = home.credentials.read_text()
    pasted = next(s for s in sorted(recorder.secrets) if not set("=:") & set(s) and s in good)
    home.credentials.write_text(good.replace("[personal]", f"{pasted}\n[personal]"))
    do("assume", "readonly", "--duration", "1h", code=1)
    do("list", code=1)
    home.credentials.write_text(good)
    # forgetting
    do("forget", "admin")
    do("forget", "--mfa")
    do("forget", "readonly")

    assert len(recorder.secrets) > 6  # base, personal, and the role and MFA sessions
    for args, result in recorder.outputs:
        for secret in recorder.secrets:
            assert secret not in result.stderr, (args, "stderr")
            if args[0] not in PRINTS_SECRETS:
                assert secret not in result.stdout, (args, "stdout")
    printed = [r.stdout for a, r in recorder.outputs if a[0] in PRINTS_SECRETS and r.returncode == 0]
    assert all(any(s in out for s in recorder.secrets) for out in printed)


def test_files_are_created_private_under_a_lax_umask(
    isolated_home: Path, moto_url: str, closed_port_url: str
) -> None:
    """No ~/.aws yet, umask 000, base keys from the environment: the directory stsui creates is 0700,
    the credentials file and cache files 0600, the cache directories ($XDG_CACHE_HOME/stsui included) 0700."""
    roles = '[roles.admin]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\nsession_name = "tester"\n'
    home = make_home(isolated_home, moto_url, roles=roles)
    aws = home.credentials.parent
    for path in aws.iterdir():
        path.unlink()
    aws.rmdir()
    base = {"AWS_ACCESS_KEY_ID": "AKIDENVEXAMPLE000001", "AWS_SECRET_ACCESS_KEY": "env-secret-00000000000"}
    recorder = Recorder(home, closed_port_url)
    recorder.secrets.add(base["AWS_SECRET_ACCESS_KEY"])
    recorder("assume", "admin", env=base)
    recorder("assume", "admin", "--profile", "second", env=base)
    assert mode(aws) == 0o700
    assert mode(home.credentials) == 0o600
    sessions = home.cache / "sessions"
    assert mode(home.cache) == mode(sessions) == 0o700
    assert mode(sessions / "admin.json") == 0o600
    for _, result in recorder.outputs:
        assert not any(secret in result.stdout + result.stderr for secret in recorder.secrets)


def test_keys_in_the_keyring_never_reach_an_output_or_a_file(
    rhome: Home, os_keyring: KeyringDaemon, moto_url: str
) -> None:
    """`stsui keys` and the roles assumed with keyring keys: the long-term secrets live in the keyring only,
    never in stdout, stderr, the credentials file, the cache or any other file under HOME."""
    import json as json_module

    from tests.support.moto import iam_user

    rhome.env.update(os_keyring.client_env(), AWS_ENDPOINT_URL_IAM=moto_url)
    _, key_id, secret = iam_user(moto_url, "secrets-user")
    rhome.roles.write_text(
        '[defaults]\nsource_keys = "work"\nregion = "eu-west-1"\n\n'
        '[roles.admin]\nrole_arn = "arn:aws:iam::111111111111:role/Admin"\n'
    )
    outputs = []

    def do(*args: str, code: int = 0, stdin: str = "") -> None:
        result = rhome.run(*args, input=stdin)
        assert result.returncode == code, (args, result.stderr)
        outputs.append((args, result))

    do("keys", "add", "work", stdin=f"{key_id}\n{secret}\n")
    do("keys", "add", "work", stdin=f"{key_id}\n{secret}\n", code=2)  # already there
    do("keys", "list")
    do("keys", "list", "--json")
    do("whoami")
    do("assume", "admin")
    do("keys", "rotate", "work")
    do("keys", "use", "work")
    do("assume", "admin", "--force")
    entries = os_keyring.entries()
    secrets = {
        secret,
        *(
            json_module.loads(line.split("= ", 1)[1])["secret_access_key"]
            for line in entries.splitlines()
            if line.startswith("secret = {") and "secret_access" in line
        ),
    }
    assert len(secrets) == 2  # the first key and the one the rotation made
    do("keys", "remove", "work")
    for args, result in outputs:
        for found in secrets:
            assert found not in result.stdout + result.stderr, args
    for path in rhome.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [found for found in secrets if found.encode() in data], path
