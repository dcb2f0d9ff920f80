"""`console_open`: `stsui console` starts the browser the role asks for (fake `firefox` and `chromium` on PATH
that record what every local user could see of them and the page they were given), and the login link is
on no command line, in no environment and in no message: only in the private page."""

from __future__ import annotations

import os
import stat
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_browser import FakeBrowser, Opened, page_destination
from tests.support.fake_signin import TOKEN, FakeSignin, fake_signin
from tests.support.home import Home

WAIT = 30.0
"""The longest a test waits for the detached fake browser to record its start."""


@pytest.fixture
def signin() -> Iterator[FakeSignin]:
    with fake_signin() as fake:
        yield fake


def browser_named(tmp_path: Path, name: str) -> tuple[FakeBrowser, Path]:
    """A fake browser reachable as `name` on the PATH it returns."""
    (tmp_path / name).mkdir()
    browser = FakeBrowser(tmp_path / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).symlink_to(browser.path)
    return browser, bin_dir


def set_console_open(home: Home, role: str, value: str) -> None:
    text = home.roles.read_text()
    head = f"[roles.{role}]\n"
    home.roles.write_text(text.replace(head, f"{head}console_open = {value!r}\n".replace("'", '"'), 1))


def opened_by(browser: FakeBrowser) -> Opened:
    deadline = time.monotonic() + WAIT
    while not browser.ran():
        assert time.monotonic() < deadline, "the browser was never started"
        time.sleep(0.05)
    return browser.opened()


def console(home: Home, signin: FakeSignin, bin_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    path = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return home.run("console", *args, env={"STSUI_SIGNIN_URL": signin.url, "PATH": path, "BROWSER": ""})


def assert_secret_kept(opened: Opened, *outputs: str) -> None:
    for seen in (opened.public, *outputs):
        assert TOKEN not in seen and "SigninToken" not in seen and "Action=login" not in seen


def login_link(destination: str, signin: FakeSignin) -> str:
    assert destination.startswith(signin.url + "?Action=login"), destination
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(destination).query)["SigninToken"] == [TOKEN]
    return destination


def test_firefox_container_opens_the_link_in_the_roles_container(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    firefox, bin_dir = browser_named(tmp_path, "firefox")
    set_console_open(home, "prod-admin", "firefox-container")
    result = console(home, signin, bin_dir, "prod-admin")
    assert result.returncode == 0, result.stderr
    opened = opened_by(firefox)
    assert_secret_kept(opened, result.stdout, result.stderr)
    page = opened.page
    assert page is not None and opened.argv[1:] == ["--new-tab", Path(str(page["path"])).as_uri()]
    assert stat.S_IMODE(int(page["mode"])) == 0o600
    container = page_destination(str(page["text"]))
    assert container.startswith("ext+container:")
    fields = urllib.parse.parse_qs(container.removeprefix("ext+container:"), strict_parsing=True)
    assert fields["name"] == ["prod-admin"]
    login_link(fields["url"][0], signin)


def test_chrome_profile_gives_each_role_its_own_private_profile(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    chromium, bin_dir = browser_named(tmp_path, "chromium")
    set_console_open(home, "staging-ro", "chrome-profile")
    result = console(home, signin, bin_dir, "staging-ro")
    assert result.returncode == 0, result.stderr
    opened = opened_by(chromium)
    assert_secret_kept(opened, result.stdout, result.stderr)
    profiles = home.root / ".local" / "share" / "stsui" / "browser-profiles"
    page = opened.page
    assert page is not None
    assert opened.argv[1:] == [
        f"--user-data-dir={profiles / 'staging-ro'}",
        "--no-first-run",
        "--no-default-browser-check",
        Path(str(page["path"])).as_uri(),
    ]
    for folder in (profiles, profiles / "staging-ro"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    login_link(page_destination(str(page["text"])), signin)


def test_a_command_template_gets_the_private_page_and_the_role_without_a_shell(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    (tmp_path / "mine").mkdir()
    browser = FakeBrowser(tmp_path / "mine")
    text = home.roles.read_text().replace(
        "[defaults]\n", f"[defaults]\nconsole_open = \"{browser.path} --profile '{{role}} x' {{url}}\"\n"
    )
    home.roles.write_text(text)  # [defaults]: every role that sets none
    result = console(home, signin, tmp_path, "prod-admin")
    assert result.returncode == 0, result.stderr
    opened = opened_by(browser)
    assert_secret_kept(opened, result.stdout, result.stderr)
    assert opened.page is not None
    assert opened.argv[1:] == ["--profile", "prod-admin x", Path(str(opened.page["path"])).as_uri()]
    login_link(page_destination(str(opened.page["text"])), signin)


def test_no_firefox_is_one_sentence_and_leaves_no_page(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    set_console_open(home, "prod-admin", "firefox-container")
    result = console(home, signin, tmp_path / "empty", "prod-admin")
    assert result.returncode == 1
    assert "No Firefox to open the console of role 'prod-admin' in" in result.stderr
    assert result.stderr.count("\n") == 1 and TOKEN not in result.stderr
    assert list(home.cache.glob("sign-in-*")) == []


def test_print_still_prints_the_link_and_starts_nothing(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    firefox, bin_dir = browser_named(tmp_path, "firefox")
    set_console_open(home, "prod-admin", "firefox-container")
    result = console(home, signin, bin_dir, "prod-admin", "--print")
    assert result.returncode == 0, result.stderr
    login_link(result.stdout.strip(), signin)
    assert not firefox.ran()


def test_a_wrong_console_open_names_the_role_and_the_key(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    set_console_open(home, "prod-admin", "firefox --no-url")
    result = console(home, signin, tmp_path, "prod-admin")
    assert result.returncode == 2
    assert (
        "[roles.prod-admin] console_open must be default, firefox-container, chrome-profile" in result.stderr
    )
