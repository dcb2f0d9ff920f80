"""A hostile or broken IAM Identity Center, met by the real `stsui` program: account ids and role names that
would be file paths, a portal that pages forever, a sign-in page that is not AWS's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.home import Home
from tests.support.sso_fake import SsoFake, sso_user

SSO_ROLES = """\
[defaults]
region = "eu-west-1"

[sso.work]
start_url = "https://my-org.awsapps.com/start"
region = "eu-west-1"
"""

STSUIS_OWN = (
    ".aws/credentials",
    ".aws/sso/cache",
    ".cache/stsui",
    ".config/stsui",
    ".local/state/stsui",
    "opened",
)
"""What stsui may write (its profiles' sections, the shared SSO token cache, its own directories: cache,
config, state), and the file the test's browser writes."""


@pytest.fixture
def user(isolated_home: Path, moto_url: str, sso_fake: SsoFake) -> Home:
    """A user with `[sso.work]` only, and a browser that notes what it was asked to open."""
    return sso_user(isolated_home, moto_url, sso_fake, SSO_ROLES)


def _outside(home: Home) -> dict[str, tuple[int, bytes]]:
    """Every file and directory of the home that is not stsui's own: its mode and its bytes."""
    found = {}
    for path in sorted(home.root.rglob("*")):
        name = path.relative_to(home.root).as_posix()
        if any(name == own or name.startswith(own + "/") or own.startswith(name + "/") for own in STSUIS_OWN):
            continue  # stsui's own, or a directory on the way to it
        info = path.lstat()
        found[name] = (info.st_mode, path.read_bytes() if path.is_file() else b"")
    return found


def test_account_ids_and_role_names_never_become_paths(user: Home, sso_fake: SsoFake) -> None:
    victim = user.root / "victim"
    victim.mkdir(mode=0o755)
    (victim / "settings.json").write_text('{"theme": "dark"}\n')
    sso_fake.state.accounts.update(
        {
            "../../../victim/settings": ("!!!", ["???"]),  # its name reduced to nothing: it was the raw id
            "111111111111": ("../../x", ["Admin", "../../../victim/settings"]),
        }
    )
    before = _outside(user)
    assert user.run("sso", "login", "--no-sync").returncode == 0
    synced = user.run("sso", "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    assert "IAM Identity Center 'work' answered 2 accounts or roles that stsui does not use" in synced.stderr
    assert json.loads(synced.stdout)[0]["dropped"] == 2

    rows = [row for row in json.loads(user.run("list", "--json").stdout) if row["source"] == "sso"]
    assert [row["name"] for row in rows] == ["x.Admin"]
    assume = user.run("assume", "x.Admin")
    assert assume.returncode == 0, assume.stderr
    assert (user.cache / "sessions" / "x.Admin.json").exists()
    logout = user.run("sso", "logout")
    assert logout.returncode == 0 and "dropped 1 cached role session" in logout.stdout
    assert _outside(user) == before  # ~/victim/settings.json and ~/victim's mode as they were
    assert sso_fake.state.accounts_asked == ["111111111111", "111111111111"]  # its roles, then Admin's keys


def test_a_portal_that_pages_forever_stops_the_sync_and_keeps_the_roles(
    user: Home, sso_fake: SsoFake
) -> None:
    sso_fake.add_accounts(2)
    assert user.run("sso", "login").returncode == 0  # the first login syncs: 6 roles
    cached = user.cache / "sso" / "work.json"
    roles = json.loads(cached.read_text())["roles"]
    sso_fake.state.endless_accounts = "same"
    synced = user.run("sso", "sync", timeout=30)
    assert synced.returncode == 1 and "Traceback" not in synced.stderr
    assert "ListAccounts at IAM Identity Center 'work' answered the same page token twice" in synced.stderr
    assert json.loads(cached.read_text())["roles"] == roles and len(roles) == 6


def test_a_sign_in_page_that_is_not_aws_is_printed_not_opened(user: Home, sso_fake: SsoFake) -> None:
    sso_fake.state.verification_uri = "https://my-org.awsapps.com.evil.example/start/#/device"
    login = user.run("sso", "login", "--no-sync")
    assert login.returncode == 0, login.stderr  # approved by hand: the login goes on
    assert not (user.root / "opened").exists()
    code = login.stderr.split("The code to enter there: ")[1][:9]
    assert (
        "named a sign-in page that is not AWS's (it goes to my-org.awsapps.com.evil.example, not to "
        "amazonaws.com, api.aws, awsapps.com, aws or their subdomains), so stsui did not open it: "
        "https://my-org.awsapps.com.evil.example/start/#/device - open it yourself only if you trust it. "
        f"The code to enter there: {code}.\n"
    ) in login.stderr
    assert "user_code=" not in login.stderr + login.stdout
