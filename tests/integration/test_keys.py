"""`stsui keys` and `source_keys` end to end: the real program, a real gnome-keyring on a private D-Bus
session, moto's STS and IAM over HTTP. The keys stored are exactly the keyring's: moto's GetCallerIdentity
names the IAM user a key belongs to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.home import Home, write_roles
from tests.support.keyring_daemon import KeyringDaemon
from tests.support.moto import iam_user

ROLES = """\
[defaults]
source_keys = "work"
region = "eu-west-1"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
"""


@pytest.fixture
def keyed(home: Home, os_keyring: KeyringDaemon, moto_url: str) -> Home:
    """The user's home with the private keyring and moto's IAM."""
    home.env.update(os_keyring.client_env(), AWS_ENDPOINT_URL_IAM=moto_url)
    return home


def test_keys_added_from_stdin_are_the_base_identity_wherever_it_is_used(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    arn, key_id, secret = iam_user(moto_url, "alice")
    added = keyed.run("keys", "add", "work", input=f"{key_id}\n{secret}\n")
    assert added.returncode == 0, added.stderr
    assert key_id in added.stdout and arn in added.stdout and secret not in added.stdout + added.stderr
    assert secret in os_keyring.entries()  # in the keyring, where Seahorse shows it
    write_roles(keyed, ROLES)
    whoami = keyed.run("whoami", "--json")
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["Arn"] == arn
    assumed = keyed.run("assume", "prod-admin", "--json")
    assert assumed.returncode == 0, assumed.stderr
    listed: list[dict[str, Any]] = json.loads(keyed.run("keys", "list", "--json").stdout)
    assert [(row["name"], row["access_key_id"], row["user_arn"]) for row in listed] == [("work", key_id, arn)]
    assert listed[0]["rotation_due"] is False
    for run in (added, whoami, assumed):
        assert secret not in run.stdout + run.stderr


CREDENTIALS = """\
# my credentials -- hand written, keep this comment
[default]
aws_access_key_id = {key_id}
aws_secret_access_key = {secret}

; long-term keys for another account
[personal]
aws_access_key_id=AKIDPERSONAL00000001
aws_secret_access_key=personal-secret-000000000000000000000
region = eu-central-1
"""


def test_from_profile_with_remove_profile_moves_default_into_the_keyring_keeping_every_other_byte(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    arn, key_id, secret = iam_user(moto_url, "bob")
    before = CREDENTIALS.format(key_id=key_id, secret=secret)
    keyed.credentials.write_text(before)
    moved = keyed.run("keys", "add", "default", "--from-profile", "default", "--remove-profile")
    assert moved.returncode == 0, moved.stderr
    after = keyed.credentials.read_text()
    section = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n\n"
    assert after == before.replace(section, "")
    assert secret not in after and secret in os_keyring.entries()
    assert "'stsui keys use default'" in moved.stderr  # the roles file still names source_profile default
    roles_before = keyed.roles.read_text()
    used = keyed.run("keys", "use", "default")  # the second command of the move
    assert used.returncode == 0, used.stderr
    assert keyed.roles.read_text() == roles_before.replace(
        '[defaults]\nsource_profile = "default"\n', '[defaults]\nsource_keys = "default"\n'
    )
    assert json.loads(keyed.run("whoami", "--json").stdout)["Arn"] == arn
    assert keyed.run("assume", "prod-admin").returncode == 0


def test_remove_profile_keeps_a_section_that_holds_more_than_the_keys(keyed: Home, moto_url: str) -> None:
    _, key_id, secret = iam_user(moto_url, "carol")
    keyed.credentials.write_text(
        CREDENTIALS.replace("AKIDPERSONAL00000001", key_id)
        .replace("personal-secret-000000000000000000000", secret)
        .format(key_id="AKIDOTHEREXAMPLE0001", secret="other-secret-00000000000000000000000")
    )
    before = keyed.credentials.read_text()
    moved = keyed.run("keys", "add", "personal", "--from-profile", "personal", "--remove-profile")
    assert moved.returncode == 0, moved.stderr
    kept = "[personal]\nregion = eu-central-1\n"
    assert keyed.credentials.read_text() == before.split("[personal]")[0] + kept


def test_keys_that_sts_refuses_are_never_stored_and_the_profile_stays(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    import urllib.request

    keyed.credentials.write_text(CREDENTIALS.format(key_id="AKIDUNKNOWNEXAMPLE01", secret="x" * 40))
    before = keyed.credentials.read_bytes()
    request = urllib.request.Request(
        f"{moto_url}/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request).read()
    try:
        refused = keyed.run("keys", "add", "default", "--from-profile", "default", "--remove-profile")
    finally:
        off = urllib.request.Request(
            f"{moto_url}/moto-api/reset-auth", data=b"inf", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(off).read()
    assert refused.returncode == 1 and "InvalidClientTokenId" in refused.stderr, refused.stderr
    assert refused.stderr.count("\n") == 1 and "x" * 40 not in refused.stderr
    assert keyed.credentials.read_bytes() == before
    assert "default" not in os_keyring.entries()


@pytest.mark.parametrize(
    ("argv", "stdin", "words"),
    [
        (("keys", "add", "bad name"), "", "must be 1-64 characters"),
        (("keys", "add", "w"), "ASIATEMPORARY0000001\nsecret-000000000000000000\n", "starts with ASIA"),
        (("keys", "add", "w"), "AKIDONLYONELINE00001\n", "fewer than two lines"),
        (("keys", "add", "w"), "AKIDSHORTSECRET00001\nshort\n", "secret access key must be"),
        (("keys", "add", "w", "--remove-profile"), "", "pass --from-profile P too"),
        (("keys", "add", "w", "--from-profile", "nosuch"), "", "Profile 'nosuch'"),
        (("keys", "remove", "nosuch"), "", "No key named 'nosuch'"),
    ],
)
def test_mistakes_are_one_sentence_and_exit_2(
    keyed: Home, argv: tuple[str, ...], stdin: str, words: str
) -> None:
    result = keyed.run(*argv, input=stdin)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "secret-000" not in result.stderr and "Traceback" not in result.stderr


def test_a_role_whose_key_is_missing_or_unreadable_says_so_and_exits_2(
    keyed: Home, os_keyring: KeyringDaemon
) -> None:
    import subprocess

    write_roles(keyed, ROLES)
    missing = keyed.run("assume", "prod-admin")
    assert missing.returncode == 2 and "No key named 'work' in the OS keyring" in missing.stderr
    subprocess.run(
        ["secret-tool", "store", "--label=junk", "service", "stsui", "username", "work"],
        input="not json",
        text=True,
        env={**os_keyring.env(), **os_keyring.client_env()},
        check=True,
        timeout=10,
    )
    junk = keyed.run("assume", "prod-admin")
    assert junk.returncode == 2 and "does not parse" in junk.stderr, junk.stderr
    assert "not json" not in junk.stderr
    assert keyed.run("keys", "remove", "work").returncode == 0
    assert "username = work" not in os_keyring.entries()


def test_no_backend_is_one_sentence_naming_the_variable_and_never_a_file(home: Home) -> None:
    write_roles(home, ROLES)
    for argv in (("assume", "prod-admin"), ("keys", "list"), ("whoami",)):
        result = home.run(*argv, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
        assert result.returncode == 2, (argv, result.stderr)
        assert "No usable OS keyring" in result.stderr and "PYTHON_KEYRING_BACKEND" in result.stderr
        assert result.stderr.count("\n") == 1
    plain = home.run("keys", "list", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert plain.returncode == 2 and "keeps nothing, or a plain file" in plain.stderr
    assert not list(home.root.rglob("*keyring*.cfg"))


def test_a_locked_keyring_is_one_sentence_and_never_a_wait(
    home: Home, locked_keyring_daemon: KeyringDaemon
) -> None:
    write_roles(home, ROLES)
    result = home.run("assume", "prod-admin", env=locked_keyring_daemon.client_env(), timeout=30)
    assert result.returncode == 2, result.stderr
    assert "The OS keyring is locked" in result.stderr and result.stderr.count("\n") == 1


def _iam(moto_url: str):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="AKIDADMINEXAMPLE0001",
        aws_secret_access_key="admin-secret-000000000000000000000000000",
    )


def test_rotate_makes_a_new_key_stores_it_and_deletes_the_old_one_in_iam(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    arn, key_id, secret = iam_user(moto_url, "erin")
    assert keyed.run("keys", "add", "work", input=f"{key_id}\n{secret}\n").returncode == 0
    write_roles(keyed, ROLES)
    rotated = keyed.run("keys", "rotate", "work")
    assert rotated.returncode == 0, rotated.stderr
    listed = json.loads(keyed.run("keys", "list", "--json").stdout)
    new_id = listed[0]["access_key_id"]
    assert new_id != key_id and f"now {new_id}" in rotated.stdout and f"deleted {key_id}" in rotated.stdout
    assert listed[0]["old_key_id"] is None
    in_iam = [
        key["AccessKeyId"] for key in _iam(moto_url).list_access_keys(UserName="erin")["AccessKeyMetadata"]
    ]
    assert in_iam == [new_id]
    assert secret not in os_keyring.entries()
    assert json.loads(keyed.run("whoami", "--json").stdout)["Arn"] == arn  # the new key is the base identity
    assert keyed.run("assume", "prod-admin").returncode == 0


def test_rotate_with_two_keys_already_says_which_one_to_delete_and_changes_nothing(
    keyed: Home, moto_url: str, os_keyring: KeyringDaemon
) -> None:
    _, key_id, secret = iam_user(moto_url, "frank")
    other = _iam(moto_url).create_access_key(UserName="frank")["AccessKey"]["AccessKeyId"]
    assert keyed.run("keys", "add", "work", input=f"{key_id}\n{secret}\n").returncode == 0
    before = os_keyring.entries()
    refused = keyed.run("keys", "rotate", "work")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "already has two access keys" in refused.stderr and f"the other is {other}" in refused.stderr
    assert f"still {key_id}, stored and unchanged" in refused.stderr
    assert os_keyring.entries() == before


def test_rotate_with_mfa_uses_one_code_for_every_iam_call(keyed: Home, moto_url: str, tmp_path: Path) -> None:
    _, key_id, secret = iam_user(moto_url, "gina")
    assert keyed.run("keys", "add", "work", input=f"{key_id}\n{secret}\n").returncode == 0
    ykman = tmp_path / "ykman"
    ykman.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/ykman.log\necho 123456\n')
    ykman.chmod(0o755)
    write_roles(
        keyed,
        ROLES + 'mfa_serial = "arn:aws:iam::123456789012:mfa/gina"\n'
        'mfa_process = "ykman oath accounts code --single g"\n',
    )
    rotated = keyed.run("keys", "rotate", "work", env={"PATH": f"{tmp_path}:{keyed.env['PATH']}"})
    assert rotated.returncode == 0, rotated.stderr
    assert (tmp_path / "ykman.log").read_text().splitlines() == ["oath accounts code --single g"]
    again = keyed.run("assume", "prod-admin", env={"PATH": f"{tmp_path}:{keyed.env['PATH']}"})
    assert again.returncode == 0, again.stderr  # the rotation's MFA session serves the roles too
    assert len((tmp_path / "ykman.log").read_text().splitlines()) == 1


def test_keys_list_flags_a_key_older_than_90_days(keyed: Home, os_keyring: KeyringDaemon) -> None:
    from datetime import timedelta

    from stsui.domain.access_keys import KeyInfo, StoredKey
    from stsui.domain.times import utc_now
    from stsui.store.os_keyring import OsKeyring

    added = utc_now() - timedelta(days=91)
    old = KeyInfo("old", "AKIAOLDEXAMPLE000001", "arn:aws:iam::123456789012:user/old", added)
    fresh = KeyInfo("fresh", "AKIAFRESHEXAMPLE0001", "arn:aws:iam::123456789012:user/new", utc_now())
    for info in (old, fresh):
        OsKeyring().put(StoredKey(info, "s" * 40))
    table = keyed.run("keys", "list")
    assert table.returncode == 0, table.stderr
    rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
    assert "91d" in rows["old"] and "older than 90 days: stsui keys rotate old" in rows["old"]
    assert "older than" not in rows["fresh"]
    assert "s" * 40 not in table.stdout
    listed = {row["name"]: row for row in json.loads(keyed.run("keys", "list", "--json").stdout)}
    assert listed["old"]["rotation_due"] is True and listed["fresh"]["rotation_due"] is False
