"""`stsui console`: the real program against moto (STS) and a loopback fake of the federation endpoint."""

from __future__ import annotations

import json
import os
import stat
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from stsui.domain.sts_calls import FederationTokenRequest
from tests.support.clock import real_ns
from tests.support.fake_browser import FakeBrowser, page_destination
from tests.support.fake_signin import TOKEN, FakeSignin, fake_signin
from tests.support.home import BASE_SECRET, Home, write_roles


@pytest.fixture
def signin() -> Iterator[FakeSignin]:
    with fake_signin() as fake:
        yield fake


def _console(home: Home, fake: FakeSignin, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return home.run("console", *args, env={"STSUI_SIGNIN_URL": fake.url, **(env or {})})


def _login(stdout: str) -> tuple[str, dict[str, str]]:
    """The printed link: where it goes and its query fields (each exactly once)."""
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    parts = urllib.parse.urlsplit(lines[0])
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    fields = dict(pairs)
    assert len(fields) == len(pairs)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", fields


def _cached(home: Home, role: str) -> dict[str, str]:
    return json.loads((home.cache / "sessions" / f"{role}.json").read_text())


def test_print_gives_a_login_link_with_every_parameter(home: Home, signin: FakeSignin) -> None:
    result = _console(home, signin, "prod-admin", "--print")
    assert result.returncode == 0, result.stderr
    where, fields = _login(result.stdout)
    assert where == signin.url
    assert fields == {
        "Action": "login",
        "Issuer": "stsui",
        "Destination": "https://console.aws.amazon.com/console/home?region=eu-west-1",
        "SigninToken": TOKEN,
    }
    assert "prod-admin" in result.stderr and "eu-west-1" in result.stderr
    assert TOKEN not in result.stderr and signin.url not in result.stderr


def test_the_session_json_carries_the_roles_own_keys(home: Home, signin: FakeSignin) -> None:
    assert _console(home, signin, "prod-admin", "--print").returncode == 0
    (asked,) = signin.asked
    cached = _cached(home, "prod-admin")
    assert asked.fields["Action"] == "getSigninToken"
    assert asked.session == {
        "sessionId": cached["AccessKeyId"],
        "sessionKey": cached["SecretAccessKey"],
        "sessionToken": cached["SessionToken"],
    }
    assert asked.session["sessionId"] != "AKIDBASEEXAMPLE00001"


def test_session_duration_is_sent_for_a_role_assumed_with_long_term_keys(
    home: Home, signin: FakeSignin
) -> None:
    result = _console(home, signin, "prod-admin", "--print")
    assert result.returncode == 0, result.stderr
    # the role session lasts 1 h: the console's 12 h default is capped by it
    duration = int(signin.asked[0].fields["SessionDuration"])
    assert 3500 < duration <= 3600
    assert "signed in for" in result.stderr


def test_console_duration_of_the_role_is_what_is_asked_for(home: Home, signin: FakeSignin) -> None:
    text = home.roles.read_text().replace('duration = "2h"', 'duration = "2h"\nconsole_duration = "30m"')
    home.roles.write_text(text)
    assert _console(home, signin, "staging-ro", "--print").returncode == 0
    assert signin.asked[0].fields["SessionDuration"] == "1800"


@pytest.mark.parametrize(
    ("role", "extra", "why"),
    [
        ("chained", [], "a chained role's console ends with its session"),
        ("mfa-ops", ["--mfa-code", "123456"], "assumed through an MFA session"),
    ],
)
def test_no_session_duration_for_chained_and_mfa_roles(
    home: Home, signin: FakeSignin, role: str, extra: list[str], why: str
) -> None:
    result = _console(home, signin, role, "--print", *extra)
    assert result.returncode == 0, result.stderr
    (asked,) = signin.asked
    assert "SessionDuration" not in asked.fields
    assert asked.session["sessionId"] == _cached(home, role)["AccessKeyId"]
    assert why in result.stderr


def test_no_session_duration_for_a_chain_rooted_in_an_mfa_role(home: Home, signin: FakeSignin) -> None:
    with home.roles.open("a") as roles:
        roles.write(
            '\n[roles.deep-mfa]\nrole_arn = "arn:aws:iam::777777777777:role/Deep"\nsource_role = "mfa-ops"\n'
        )
    assert _console(home, signin, "deep-mfa", "--print", "--mfa-code", "123456").returncode == 0
    assert "SessionDuration" not in signin.asked[0].fields


def test_no_session_duration_when_the_source_profile_has_a_session_token(
    home: Home, signin: FakeSignin
) -> None:
    home.credentials.write_text(
        "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = temp-secret-0000\n"
        "aws_session_token = temp-token-0000\n"
    )
    assert _console(home, signin, "prod-admin", "--print").returncode == 0
    assert "SessionDuration" not in signin.asked[0].fields


@pytest.mark.parametrize(
    ("partition", "region", "console"),
    [
        ("aws", "eu-west-1", "console.aws.amazon.com"),
        ("aws-us-gov", "us-gov-west-1", "console.amazonaws-us-gov.com"),
        ("aws-cn", "cn-north-1", "console.amazonaws.cn"),
    ],
)
def test_the_destination_follows_the_roles_partition(
    home: Home, signin: FakeSignin, partition: str, region: str, console: str
) -> None:
    write_roles(
        home,
        f"""\
        [defaults]
        source_profile = "default"
        [roles.there]
        role_arn = "arn:{partition}:iam::123456789012:role/There"
        region = "{region}"
        """,
    )
    result = _console(home, signin, "there", "--print", "--destination", "cloudformation")
    assert result.returncode == 0, result.stderr
    assert _login(result.stdout)[1]["Destination"] == f"https://{console}/cloudformation/home?region={region}"


def test_a_full_console_url_and_region_are_kept(home: Home, signin: FakeSignin) -> None:
    page = "https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#Instances:"
    result = _console(home, signin, "prod-admin", "--print", "--destination", page)
    assert result.returncode == 0, result.stderr
    assert _login(result.stdout)[1]["Destination"] == page
    result = _console(home, signin, "prod-admin", "--print", "--region", "us-west-2", "--destination", "s3")
    expected = "https://console.aws.amazon.com/s3/home?region=us-west-2"
    assert _login(result.stdout)[1]["Destination"] == expected


@pytest.mark.parametrize(
    "args",
    [
        ["--destination", "http://console.aws.amazon.com/s3/home"],
        ["--destination", "https://console.aws.amazon.com.evil.example/"],
        ["--destination", "https://evil.example/?console.aws.amazon.com"],
        ["--destination", "https://user@console.aws.amazon.com/"],
        ["--destination", "https://console.amazonaws.cn/s3/home"],
        ["--destination", "S3 bucket"],
        ["--region", "mars-1"],
        ["--region", "cn-north-1"],
    ],
)
def test_a_bad_destination_or_region_is_exit_2_before_any_request(
    home: Home, signin: FakeSignin, args: list[str]
) -> None:
    result = _console(home, signin, "prod-admin", "--print", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("stsui: ") and result.stderr.count("\n") == 1
    assert signin.asked == [] and result.stdout == ""
    assert not (home.cache / "sessions" / "prod-admin.json").exists()  # STS was not asked either


def test_the_browser_gets_a_private_page_and_never_the_link(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    """`/proc/PID/cmdline` is readable by every local user: the browser is started with the URL of a 0600
    page in stsui's 0700 runtime directory, which leads to the link; the link is in no argv, no
    environment, no output."""
    browser = FakeBrowser(tmp_path)
    result = _console(home, signin, "prod-admin", env={"BROWSER": str(browser.path)})
    assert result.returncode == 0, result.stderr
    opened = browser.opened()
    for seen in (opened.public, result.stdout, result.stderr):
        assert TOKEN not in seen and "SigninToken" not in seen and "Action=login" not in seen
    (url,) = opened.argv[1:]
    page = opened.page
    assert page is not None and url == Path(str(page["path"])).as_uri()
    assert Path(str(page["path"])).parent == home.cache  # no XDG_RUNTIME_DIR here: the cache directory
    assert stat.S_ISREG(int(page["mode"])) and stat.S_IMODE(int(page["mode"])) == 0o600
    assert stat.S_IMODE(int(page["folder_mode"])) == 0o700 and page["uid"] == page["folder_uid"]
    where, fields = _login(page_destination(str(page["text"])))
    assert where == signin.url and fields["SigninToken"] == TOKEN
    assert result.stdout == ""
    assert "opened the AWS console for role 'prod-admin' in eu-west-1" in result.stderr


def test_the_page_is_in_the_runtime_directory_and_expired_pages_go(
    home: Home, signin: FakeSignin, tmp_path: Path
) -> None:
    """Each console open removes the pages whose link has expired (15 minutes), and only those."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    (runtime / "stsui").mkdir(mode=0o700)
    old, young, other = (
        runtime / "stsui" / name for name in ("sign-in-old.html", "sign-in-young.html", "x.html")
    )
    for path, age in ((old, 16 * 60), (young, 10 * 60), (other, 3600)):
        path.write_text("page")
        then = real_ns() / 1e9 - age  # file times are on the wall clock
        os.utime(path, (then, then))
    browser = FakeBrowser(tmp_path)
    result = _console(
        home, signin, "prod-admin", env={"BROWSER": str(browser.path), "XDG_RUNTIME_DIR": str(runtime)}
    )
    assert result.returncode == 0, result.stderr
    page = Path(str(browser.opened().page["path"]))  # type: ignore[index]
    assert page.parent == runtime / "stsui" and page.name.startswith("sign-in-")
    assert sorted(path.name for path in (runtime / "stsui").iterdir()) == sorted(
        [page.name, young.name, other.name]
    )


def test_a_browser_that_fails_leaves_no_page(home: Home, signin: FakeSignin) -> None:
    missing = str(home.root / "no-such-browser")  # and no other browser on PATH to fall back on
    result = _console(home, signin, "prod-admin", env={"BROWSER": missing, "PATH": missing})
    assert result.returncode == 1 and "No browser could be opened" in result.stderr
    assert TOKEN not in result.stderr and result.stderr.count("\n") == 1
    assert list(home.cache.glob("sign-in-*")) == []


@pytest.mark.parametrize("status", [400, 403, 500, 503])
def test_an_endpoint_error_is_one_sentence_with_the_status(home: Home, status: int) -> None:
    with fake_signin(status) as fake:
        result = _console(home, fake, "prod-admin", "--print")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"HTTP {status}" in lines[0] and "role 'prod-admin'" in lines[0]
    _no_secret(home, result.stderr, fake)


def test_a_hung_endpoint_fails_in_bounded_time(home: Home) -> None:
    with fake_signin("hang") as fake:
        result = _console(home, fake, "prod-admin", "--print")  # home.run's own timeout bounds the test
    assert result.returncode == 1
    assert "did not answer in time" in result.stderr and result.stderr.count("\n") == 1
    _no_secret(home, result.stderr, fake)


@pytest.mark.parametrize(
    ("mode", "said"), [("portal", "is not a sign-in token"), ("huge", "more than 1024 KiB")]
)
def test_an_answer_that_is_no_token_is_one_sentence(home: Home, mode: str, said: str) -> None:
    with fake_signin(mode) as fake:
        result = _console(home, fake, "prod-admin", "--print")
    assert result.returncode == 1 and result.stdout == ""
    assert said in result.stderr and result.stderr.count("\n") == 1
    assert "hotel" not in result.stderr and "xxxx" not in result.stderr
    _no_secret(home, result.stderr, fake)


def test_an_unreachable_endpoint_is_one_sentence(home: Home) -> None:
    with fake_signin() as fake:
        url = fake.url
    result = home.run("console", "prod-admin", "--print", env={"STSUI_SIGNIN_URL": url})
    assert result.returncode == 1 and "could not connect" in result.stderr


def test_a_bad_signin_url_variable_is_exit_2(home: Home) -> None:
    result = home.run("console", "prod-admin", "--print", env={"STSUI_SIGNIN_URL": "ftp://nowhere"})
    assert result.returncode == 2 and "STSUI_SIGNIN_URL" in result.stderr


def _no_secret(home: Home, stderr: str, fake: FakeSignin) -> None:
    assert TOKEN not in stderr and "Session=" not in stderr and "SigninToken" not in stderr
    assert BASE_SECRET not in stderr
    for asked in fake.asked:
        for value in asked.session.values():
            assert value not in stderr


def test_base_signs_in_as_a_federated_user(home: Home, signin: FakeSignin) -> None:
    result = _console(home, signin, "--base", "--print")
    assert result.returncode == 0, result.stderr
    (asked,) = signin.asked
    assert "SessionDuration" not in asked.fields
    assert asked.session["sessionId"] != "AKIDBASEEXAMPLE00001"  # the federation token's, not the base keys
    assert _login(result.stdout)[1]["Destination"].endswith("region=eu-west-1")
    assert "the base identity" in result.stderr and "no console_policy is set" in result.stderr


def test_base_is_refused_without_long_term_keys(home: Home, signin: FakeSignin) -> None:
    home.credentials.write_text(
        "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = temp-secret-0000\n"
        "aws_session_token = temp-token-0000\n"
    )
    result = _console(home, signin, "--base", "--print")
    assert result.returncode == 2
    assert "long-term keys" in result.stderr and signin.asked == []


def test_name_or_base_not_both(home: Home, signin: FakeSignin) -> None:
    assert _console(home, signin, "prod-admin", "--base").returncode == 2
    assert _console(home, signin).returncode == 2
    assert signin.asked == []


# -- the gateway calls behind it, on both paths -----------------------------------------------------------


@pytest.fixture(params=["direct", "boto3"])
def gateway(request: pytest.FixtureRequest, home: Home, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    from stsui.aws.gateway import BotoGateway
    from stsui.aws.hybrid import HybridGateway

    return HybridGateway(default_region="eu-west-1") if request.param == "direct" else BotoGateway()


def test_get_federation_token_on_both_paths(gateway) -> None:  # type: ignore[no-untyped-def]
    session = gateway.get_federation_token(
        FederationTokenRequest(
            profile="default",
            region="eu-west-1",
            name="tester",
            policy='{"Version":"2012-10-17"}',
            duration=900,
        )
    )
    assert session.assumed_role_arn.endswith(":federated-user/tester")
    assert session.credentials.session_token


def test_long_term_keys_are_told_from_temporary_ones(gateway, home: Home) -> None:  # type: ignore[no-untyped-def]
    home.credentials.write_text(
        home.credentials.read_text()
        + "\n[temporary]\naws_access_key_id = ASIATEMP000000000001\naws_secret_access_key = s\n"
        "aws_session_token = t\n"
    )
    config = home.root / ".aws" / "config"
    config.write_text(
        config.read_text()
        + "\n[profile via-role]\nrole_arn = arn:aws:iam::1:role/X\nsource_profile = default\n"
    )
    assert gateway.has_long_term_keys("default") is True
    assert gateway.has_long_term_keys("temporary") is False
    assert gateway.has_long_term_keys("via-role") is False  # botocore would assume a role: temporary
