"""Many `stsui` processes writing one credentials file at once: no profile and no byte of the user's lost."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import botocore.session
import pytest

from tests.reliability.conftest import SESSION_KEYS, make_home, numbered_roles, parse_ini, spawn
from tests.support.home import USER_CREDENTIALS, Home

WRITERS = 24


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Wait for every process (all were started before the first wait)."""
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def cached_key(home: Home, role: str) -> str:
    """The access key of the session the role's own process obtained (its private cache entry)."""
    data = json.loads((home.cache / "sessions" / f"{role}.json").read_text())
    return str(data["AccessKeyId"])


def botocore_key(home: Home, profile: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The access key botocore (what the AWS CLI and SDKs use) reads for `profile`."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home.credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", home.env["AWS_CONFIG_FILE"])
    credentials = botocore.session.Session(profile=profile).get_credentials()
    assert credentials is not None, profile
    return str(credentials.access_key)


def test_concurrent_writers_lose_no_profile_and_no_user_byte(
    isolated_home: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """24 `assume` processes started at once, each writing its own profile: every profile is there with
    the session its process obtained, botocore reads each, and the user's text is untouched."""
    home = make_home(isolated_home, moto_url, roles=numbered_roles(WRITERS))
    roles = [f"r-{n:02d}" for n in range(WRITERS)]
    processes = [spawn(home, "assume", role) for role in roles]
    results = finish(processes)
    for role, (code, out, err) in zip(roles, results, strict=True):
        assert code == 0, (role, err)
        assert f"wrote profile '{role}'" in out

    text = home.credentials.read_text()
    assert text.startswith(USER_CREDENTIALS)  # sections are appended: the original is a prefix
    parser = parse_ini(text)
    assert sorted(parser.sections()) == sorted(["default", "personal", *roles])
    for role in roles:
        assert set(parser[role]) == SESSION_KEYS
        assert parser[role]["x_stsui_role"] == role
        assert parser[role]["aws_access_key_id"] == cached_key(home, role)
        assert botocore_key(home, role, monkeypatch) == cached_key(home, role)
    assert botocore_key(home, "default", monkeypatch) == "AKIDBASEEXAMPLE00001"
    assert sorted(os.listdir(home.credentials.parent)) == ["config", "credentials"]


def test_concurrent_appends_rewrites_and_forgets_keep_order_and_bytes(
    isolated_home: Path, moto_url: str
) -> None:
    """At once: 8 profiles forgotten, 8 rewritten in place, 8 appended. Afterwards the forgotten ones are
    gone, the rewritten ones hold new sessions in their old places, the new ones are there, and the user's
    text (first and last, around stsui's sections) is byte-identical."""
    trailer = "\n# a note the user added at the end\n[zz-user]\naws_access_key_id = AKIDZZUSER0000000001\n"
    trailer += "aws_secret_access_key = zz-user-secret-0000000000000000000\n"
    home = make_home(isolated_home, moto_url, roles=numbered_roles(WRITERS))
    forgotten, rewritten, added = ([f"r-{n:02d}" for n in range(start, start + 8)] for start in (0, 8, 16))
    for code, _, err in finish([spawn(home, "assume", role) for role in forgotten + rewritten]):
        assert code == 0, err
    home.credentials.write_text(home.credentials.read_text() + trailer)
    before = home.credentials.read_text()
    order = [section for section in parse_ini(before).sections() if section in rewritten]
    old_keys = {role: parse_ini(before)[role]["aws_access_key_id"] for role in rewritten}

    processes = [spawn(home, "forget", role) for role in forgotten]
    processes += [spawn(home, "assume", role, "--duration", "1h") for role in rewritten]
    processes += [spawn(home, "assume", role) for role in added]
    for code, _, err in finish(processes):
        assert code == 0, err

    text = home.credentials.read_text()
    parser = parse_ini(text)
    assert text.startswith(USER_CREDENTIALS)
    assert trailer in text
    assert [s for s in parser.sections() if s in rewritten] == order  # in place, in their order
    assert not set(forgotten) & set(parser.sections())
    assert set(added) <= set(parser.sections())
    for role in rewritten + added:
        assert set(parser[role]) == SESSION_KEYS
        assert parser[role]["aws_access_key_id"] == cached_key(home, role)
    for role in rewritten:
        assert parser[role]["aws_access_key_id"] != old_keys[role]
    assert parser["zz-user"]["aws_secret_access_key"] == "zz-user-secret-0000000000000000000"


def test_one_role_into_many_profiles_at_once(isolated_home: Path, moto_url: str) -> None:
    """20 processes assume the SAME role at once into profiles p-00…p-19: every profile is complete, and
    the role's one cache entry (written by all of them) is whole, valid JSON holding one of their sessions."""
    home = make_home(isolated_home, moto_url)
    profiles = [f"p-{n:02d}" for n in range(20)]
    for code, _, err in finish([spawn(home, "assume", "admin", "--profile", p) for p in profiles]):
        assert code == 0, err
    text = home.credentials.read_text()
    assert text.startswith(USER_CREDENTIALS)
    parser = parse_ini(text)
    assert sorted(parser.sections()) == sorted(["default", "personal", *profiles])
    for profile in profiles:
        assert set(parser[profile]) == SESSION_KEYS
        assert parser[profile]["x_stsui_role"] == "admin"
    assert cached_key(home, "admin") in {parser[p]["aws_access_key_id"] for p in profiles}
    assert sorted(os.listdir(home.cache / "sessions")) == ["admin.json"]


def test_concurrent_writers_through_a_symlinked_credentials_file(isolated_home: Path, moto_url: str) -> None:
    """~/.aws/credentials is a symlink into a dotfiles directory: 12 writers at once keep the link a link,
    write the target, and leave no temp file in either directory."""
    home = make_home(isolated_home, moto_url, roles=numbered_roles(12))
    dotfiles = isolated_home / "dotfiles"
    dotfiles.mkdir(mode=0o700)
    target = dotfiles / "aws-credentials"
    home.credentials.rename(target)
    home.credentials.symlink_to(target)
    roles = [f"r-{n:02d}" for n in range(12)]
    for code, _, err in finish([spawn(home, "assume", role) for role in roles]):
        assert code == 0, err
    assert home.credentials.is_symlink() and home.credentials.resolve() == target
    text = target.read_text()
    assert text.startswith(USER_CREDENTIALS)
    assert set(roles) <= set(parse_ini(text).sections())
    assert sorted(os.listdir(dotfiles)) == ["aws-credentials"]
    assert sorted(os.listdir(home.credentials.parent)) == ["config", "credentials"]
