"""Test data for the benchmark: the local STS (moto), isolated homes, roles files and live sessions."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ACCOUNT = "123456789012"
REGION = "us-east-1"
PEER_PROFILE = "bench-role"
"""The `~/.aws/config` profile awsume and the AWS CLI assume (the same role stsui assumes)."""

BASE_CREDENTIALS = """\
# long-term keys of the base identity (dummies: the local STS does not check them)
[default]
aws_access_key_id = AKIAIOSFODNN7BENCHMK
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHMARKEY
"""


def role_name(index: int) -> str:
    """`role-00001`: five digits, so the names sort like the config and never contain each other."""
    return f"role-{index:05d}"


def role_arn(index: int) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/Role{index:05d}"


def group_of(index: int) -> str:
    return f"team-{'abcdefghij'[index % 10]}"


# -- the local STS -----------------------------------------------------------------------------------------


class LocalSts:
    """moto's server on a free loopback port, in this process (so its backend can be inspected)."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()

    def issued_keys(self) -> set[str]:
        """Access key ids of every role session this server handed out (to check a tool really called it)."""
        from moto.sts.models import sts_backends

        keys: set[str] = set()
        for _, backend in sts_backends[ACCOUNT].items():
            keys.update(role.access_key_id for role in backend.assumed_roles)
        return keys


# -- an isolated home ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    """A temporary home: every tool run in it sees only these files and the local STS."""

    root: Path
    env: dict[str, str]

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def credentials(self) -> Path:
        return self.home / ".aws" / "credentials"

    @property
    def aws_config(self) -> Path:
        return self.home / ".aws" / "config"

    @property
    def roles_file(self) -> Path:
        return self.home / ".config" / "stsui" / "roles.toml"

    @property
    def rows_file(self) -> Path:
        """The rows the bare Textual app shows (JSON), the same roles the TUI shows."""
        return self.root / "rows.json"

    @property
    def cache(self) -> Path:
        return self.home / ".cache"

    def reset(self) -> None:
        """Back to no session at all: the base credentials file and no cached session (the validated roles
        stay cached, as on a user's machine)."""
        self.credentials.write_text(BASE_CREDENTIALS, encoding="utf-8")
        self.credentials.chmod(0o600)
        for kept in ("sessions", "mfa"):
            shutil.rmtree(self.cache / "stsui" / kept, ignore_errors=True)


def clean_environment(sandbox_root: Path, endpoint: str) -> dict[str, str]:
    """The process environment for every tool: nothing of the real user's AWS set-up leaks in."""
    home = sandbox_root / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "AWSUME_", "STSUI_", "XDG_", "VIRTUAL_ENV", "PYTHON", "TEXTUAL"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_ENDPOINT_URL_STS=endpoint,
        AWS_EC2_METADATA_DISABLED="true",  # never reach for the instance metadata address
        STSUI_CONFIG=str(home / ".config" / "stsui" / "roles.toml"),
        LANG=os.environ.get("LANG", "C.UTF-8"),
    )
    return env


PINS, TAKES = 200, 10_000
"""Every TUI and `list` sandbox holds what a year of use leaves: 200 pins and a full history of takes."""


def write_recents(
    sandbox: Sandbox, roles: int, now: datetime, name: Callable[[int], str] | None = None
) -> None:
    """`PINS` pins (spread over the roles; those past `roles` are names the file no longer has) and
    `TAKES` takes of up to 2,000 roles over the last week, as stsui's recents file keeps them; `name` names
    role number N (1-based; the roles file's `role_name` unless given)."""
    name = name or role_name
    step = max(roles // PINS, 1)
    pins = [name(1 + index * step) for index in range(PINS)]
    taken = max(min(roles, 2_000), 1)
    stamp = int(now.timestamp())
    takes = [[name(1 + (index * 7919) % taken), stamp - index * 60] for index in range(TAKES)][::-1]
    data = {"format": 1, "pins": pins, "takes": takes, "regions": [], "order": "recent"}
    state = sandbox.home / ".local" / "state" / "stsui"
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    (state / "recents.json").write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    (state / "recents.json").chmod(0o600)


def make_sandbox(root: Path, endpoint: str, roles: int, sessions: int = 0) -> Sandbox:
    """A fresh home under `root` with `roles` roles, `sessions` live stsui sessions (the first ones), and
    200 pins and 10,000 takes in its recents file (`write_recents`)."""
    shutil.rmtree(root, ignore_errors=True)
    sandbox = Sandbox(root, clean_environment(root, endpoint))
    for directory in (sandbox.credentials.parent, sandbox.roles_file.parent, sandbox.cache):
        directory.mkdir(parents=True, exist_ok=True)
    sandbox.reset()
    sandbox.aws_config.write_text(_aws_config(), encoding="utf-8")
    sandbox.roles_file.write_text(_roles_toml(roles), encoding="utf-8")
    now = datetime.now(UTC).replace(microsecond=0)
    if sessions:
        with sandbox.credentials.open("a", encoding="utf-8") as out:
            out.writelines(_session_section(index, now) for index in range(1, sessions + 1))
    write_recents(sandbox, roles, now)
    rows = [_row(index, now, live=index <= sessions) for index in range(1, roles + 1)]
    sandbox.rows_file.write_text(json.dumps(rows), encoding="utf-8")
    return sandbox


def _aws_config() -> str:
    return (
        f"[default]\nregion = {REGION}\n\n"
        f"[profile {PEER_PROFILE}]\nrole_arn = {role_arn(1)}\nsource_profile = default\nregion = {REGION}\n"
    )


def _roles_toml(count: int) -> str:
    head = f'[defaults]\nsource_profile = "default"\nregion = "{REGION}"\n'
    return head + "".join(
        f'\n[roles.{role_name(i)}]\nrole_arn = "{role_arn(i)}"\ngroup = "{group_of(i)}"\n'
        for i in range(1, count + 1)
    )


def _expiry(index: int, now: datetime) -> datetime:
    """30 to 59 minutes from now: under an hour, so every countdown shows (and changes) its seconds, and
    still over the 15-minute renewal window for the whole benchmark, so nothing gets renewed meanwhile."""
    return now + timedelta(minutes=30, seconds=(index * 97) % (29 * 60))


def _session_section(index: int, now: datetime) -> str:
    expires = _expiry(index, now).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"\n[{role_name(index)}]\n"
        f"aws_access_key_id = ASIABENCH{index:011d}\n"
        f"aws_secret_access_key = benchmark-secret-{index:05d}-xxxxxxxxxxxxxxxxxxxx\n"
        f"aws_session_token = FwoGZXIvYXdzEBenchmarkToken{index:05d}{'x' * 300}\n"
        f"x_security_token_expires = {expires}\n"
        f"x_principal_arn = arn:aws:sts::{ACCOUNT}:assumed-role/Role{index:05d}/bench\n"
        f"region = {REGION}\n"
        f"x_stsui_role = {role_name(index)}\n"
    )


def _row(index: int, now: datetime, *, live: bool) -> list[str]:
    """ROLE, ACCOUNT, IAM ROLE, PROFILE, STATUS, LEFT, GROUP: the columns of stsui's role table."""
    left = ""
    if live:
        seconds = int((_expiry(index, now) - now).total_seconds())
        left = f"{seconds // 60}:{seconds % 60:02d}"
    name = role_name(index)
    status = "active" if live else "inactive"
    return [name, ACCOUNT, f"Role{index:05d}", name, status, left, group_of(index)]


def iter_role_names(count: int) -> Iterator[str]:
    return (role_name(i) for i in range(1, count + 1))


# -- scale: a large credentials file ----------------------------------------------------------------------


def foreign_sections(count: int) -> str:
    """`count` profiles of other tools (long-term keys, comments, a region), none of them stsui's."""
    return "".join(
        f"\n# team profile {index}\n[other-{index:06d}]\n"
        f"aws_access_key_id = AKIAOTHER{index:011d}\n"
        f"aws_secret_access_key = other-secret-{index:06d}-xxxxxxxxxxxxxxxxxxxxxxxx\n"
        f"region = {REGION}\n"
        for index in range(count)
    )


def grow_credentials(sandbox: Sandbox, count: int, *, owned_session: bool) -> bytes:
    """Make the sandbox's credentials file its base keys plus `count` foreign profiles (and, with
    `owned_session`, role-00001's stsui session in the middle); returns the bytes (restored before runs)."""
    now = datetime.now(UTC).replace(microsecond=0)
    half = foreign_sections(count // 2)
    middle = _session_section(1, now) if owned_session else ""
    rest = foreign_sections(count - count // 2).replace("other-", "more-")
    data = BASE_CREDENTIALS + half + middle + rest
    sandbox.credentials.write_text(data, encoding="utf-8")
    sandbox.credentials.chmod(0o600)
    return data.encode()


# -- scale: roles discovered through IAM Identity Center ----------------------------------------------------

SSO_INSTANCE = "corp"
SSO_START_URL = "https://corp.awsapps.com/start"
PERMISSION_SETS = ("Admin", "ReadOnly", "Developer", "Billing", "Audit")


def discovered_name(account: int, permission_set: str) -> str:
    """The name stsui gives a discovered role with the default template `{account_name}.{role_name}`."""
    return f"acct-{account:04d}.{permission_set}"


def discovered_account_id(account: int) -> str:
    return f"{200000000000 + account}"


def make_sso_sandbox(root: Path, endpoint: str, accounts: int, sessions: int = 0) -> Sandbox:
    """A home whose roles file has only an `[sso.corp]` instance, logged in (a token valid for 8 hours), with
    `accounts` x 5 permission sets in its discovery cache as `stsui sso sync` leaves it, and live sessions
    (profile and session cache, 30-59 minutes left) for the first `sessions` of them."""
    box = make_sandbox(root, endpoint, 0)
    box.roles_file.write_text(
        f'[defaults]\nregion = "{REGION}"\n\n[sso.{SSO_INSTANCE}]\n'
        f'start_url = "{SSO_START_URL}"\nregion = "{REGION}"\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC).replace(microsecond=0)
    roles = [
        {"accountId": discovered_account_id(a), "accountName": f"acct-{a:04d}", "roleName": p, "gone": False}
        for a in range(1, accounts + 1)
        for p in PERMISSION_SETS
    ]
    found = {"startUrl": SSO_START_URL, "syncedAt": _rfc3339(now), "roles": roles}
    _private(box.cache / "stsui" / "sso" / f"{SSO_INSTANCE}.json", json.dumps(found, indent=1))
    token = {
        "startUrl": SSO_START_URL,
        "region": REGION,
        "accessToken": "benchmark-sso-access-token",
        "expiresAt": _rfc3339(now + timedelta(hours=8)),
    }
    token_file = hashlib.sha1(SSO_INSTANCE.encode(), usedforsecurity=False).hexdigest() + ".json"
    _private(box.home / ".aws" / "sso" / "cache" / token_file, json.dumps(token))
    every = [(a, p) for a in range(1, accounts + 1) for p in PERMISSION_SETS]
    write_recents(box, len(every), now, lambda number: discovered_name(*every[(number - 1) % len(every)]))
    live = every[:sessions]
    with box.credentials.open("a", encoding="utf-8") as out:
        for index, (account, permission_set) in enumerate(live, start=1):
            out.write(_discovered_session(index, account, permission_set, now, box))
    return box


def _discovered_session(index: int, account: int, permission_set: str, now: datetime, box: Sandbox) -> str:
    """The profile section stsui writes for a discovered role's session, and its session cache entry."""
    name = discovered_name(account, permission_set)
    principal = f"arn:aws:sts::{discovered_account_id(account)}:assumed-role/{permission_set}/{SSO_INSTANCE}"
    expires = _rfc3339(_expiry(index, now))
    key, secret = f"ASIASSO{index:013d}", f"benchmark-sso-secret-{index:06d}-xxxxxxxxxxxxxxxx"
    token = f"IQoJb3JpZ2luBenchmarkSso{index:06d}{'x' * 300}"
    cached = {"Role": name, "Arn": principal, "AccessKeyId": key, "SecretAccessKey": secret,
              "SessionToken": token, "Expiration": expires, "Region": REGION}  # fmt: skip
    _private(box.cache / "stsui" / "sessions" / f"{name}.json", json.dumps(cached, indent=1))
    return (
        f"\n[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        f"aws_session_token = {token}\nx_security_token_expires = {expires}\n"
        f"x_principal_arn = {principal}\nregion = {REGION}\nx_stsui_role = {name}\n"
    )


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _private(path: Path, text: str) -> None:
    """A file of stsui's (or the AWS CLI's) own: 0600 in 0700 directories."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for directory in (path.parent, path.parent.parent):
        directory.chmod(0o700)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
