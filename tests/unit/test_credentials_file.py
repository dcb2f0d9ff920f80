"""The credentials file store: every byte it does not own stays, refusals change nothing, writes are safe."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import botocore.session
import pytest

from stsui.domain.errors import CredentialsFileError
from stsui.domain.model import Credentials, Session
from stsui.domain.paths import credentials_path
from stsui.domain.times import READABLE
from stsui.store import atomic
from stsui.store.credentials_file import CredentialsFile

EXPIRES = datetime(2026, 11, 30, 3, 48, 40, tzinfo=UTC)

RICH = (
    "# Shared credentials for the team\n"
    "; edited by hand, keep the order\n"
    "\n"
    "[default]\n"
    "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key   =   wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    "region: eu-west-1\n"
    "\n"
    "[profile x]\n"
    "# written in the config file's style\n"
    "role_arn = arn:aws:iam::123456789012:role/x\n"
    "source_profile = default\n"
    "note = keep # configparser keeps this inline text\n"
    "\n"
    "\n"
    "[ci]\n"
    "    aws_access_key_id = AKIAEXAMPLE2\n"
    "    aws_secret_access_key = secret2\n"
    "; trailing comment\n"
)

VARIANTS = {
    "lf": RICH.encode(),
    "crlf": RICH.replace("\n", "\r\n").encode(),
    "no-final-newline": RICH.rstrip("\n").encode(),
    "trailing-blank-lines": (RICH + "\n\n").encode(),
    "empty": b"",
    "only-a-newline": b"\n",
    "whitespace-last-line": (RICH + "   ").encode(),
}


def make_session(role: str = "dev", n: int = 1, region: str | None = None) -> Session:
    credentials = Credentials(f"ASIA{n:016d}", f"secret-{n}", f"token-{n}", EXPIRES)
    return Session(role, credentials, f"arn:aws:sts::123456789012:assumed-role/{role}/stsui", region)


def session_block(role: str = "dev", n: int = 1, newline: str = "\n") -> str:
    lines = [
        f"aws_access_key_id = ASIA{n:016d}",
        f"aws_secret_access_key = secret-{n}",
        f"aws_session_token = token-{n}",
        "x_security_token_expires = 2026-11-30T03:48:40Z",
        f"x_principal_arn = arn:aws:sts::123456789012:assumed-role/{role}/stsui",
        f"x_stsui_role = {role}",
    ]
    return "".join(line + newline for line in lines)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / ".aws" / "credentials"


@pytest.fixture
def store(path: Path) -> CredentialsFile:
    return CredentialsFile(path)


def put(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def botocore_credentials(monkeypatch: pytest.MonkeyPatch, path: Path, profile: str) -> tuple[str, str, str]:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path.parent / "no-config"))
    creds = botocore.session.Session(profile=profile).get_credentials()
    assert creds is not None
    frozen = creds.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


# --- reading --------------------------------------------------------------------------------------------


def test_missing_file_reads_as_empty(store: CredentialsFile) -> None:
    assert store.read() == {}
    assert store.read_session("dev", "dev") is None
    assert store.stamp() is None


def test_read_reports_every_section(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode() + b"\n[dev]\n" + session_block().encode())
    entries = store.read()
    assert list(entries) == ["default", "profile x", "ci", "dev"]
    assert not entries["default"].owned and not entries["ci"].owned
    dev = entries["dev"]
    assert (dev.owner_role, dev.expires_at) == ("dev", EXPIRES)
    assert dev.principal_arn == "arn:aws:sts::123456789012:assumed-role/dev/stsui"


def test_reading_some_profiles_agrees_with_reading_all(path: Path, store: CredentialsFile) -> None:
    """What the TUI and `list` ask of a large file: only their roles' profiles, with the same answers
    whether or not the whole file was read before."""
    put(path, RICH.encode() + b"\n[dev]\n" + session_block().encode())
    wanted = ["dev", "ci", "absent"]
    part = CredentialsFile(path).read(wanted)
    everything = store.read()
    assert part == {name: everything[name] for name in ("dev", "ci")}
    assert store.read(wanted) == part  # after the whole file was read too


def test_read_session_only_for_its_own_role(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    store.write_session("dev", make_session(region="eu-central-1"))
    assert store.read_session("dev", "dev") == make_session(region="eu-central-1")
    assert store.read_session("dev", "other") is None
    assert store.read_session("default", "dev") is None
    assert store.read_session("nope", "dev") is None


def test_reads_see_every_change_even_of_the_same_size(path: Path, store: CredentialsFile) -> None:
    put(path, f"[dev]\n{session_block('dev')}".encode())
    assert store.read()["dev"].owner_role == "dev"
    put(path, f"[dev]\n{session_block('ops')}".encode())  # same size, maybe the same mtime
    assert store.read()["dev"].owner_role == "ops"
    assert store.read_session("dev", "ops") is not None


@pytest.mark.parametrize("expiry", ["tomorrow", "9999-12-31T23:59:59-23:59"])
def test_a_session_with_an_unreadable_expiry_is_long_expired(
    path: Path, store: CredentialsFile, expiry: str
) -> None:
    """So that every command shows it expired and renews it (`stsui.domain.times.own_expiry`)."""
    block = session_block().replace("2026-11-30T03:48:40Z", expiry)
    put(path, f"[dev]\n{block}".encode())
    assert store.read()["dev"].expires_at == READABLE[0]
    session = store.read_session("dev", "dev")
    assert session is not None and session.credentials.expiration == READABLE[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[a]\nk = 1\n[a]\nk = 2\n", "duplicate section [a]"),
        ("[a]\nk = 1\nK = 2\n", "duplicate key 'k'"),
        ("[a]\nk = 1\njust words\n", "line 3 is not key = value"),
        ("k = 1\n[a]\n", "line 1 comes before"),
        ("[a]\n= 1\n", "line 2 is not key = value"),
        ("[a]\ns3 =\n  no equals here\n", "indented lines under key 's3'"),
    ],
)
def test_unparseable_files_are_refused_with_a_reason(
    path: Path, store: CredentialsFile, text: str, reason: str
) -> None:
    put(path, text.encode())
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match=re.escape(reason)):
        store.read()
    with pytest.raises(CredentialsFileError, match=re.escape(reason)) as refused:
        store.write_session("dev", make_session())
    assert "'dev'" in str(refused.value) and str(path) in str(refused.value)
    assert snapshot(path) == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\xef\xbb\xbf[a]\nk = 1\n", "byte order mark"), (b"[a]\nk = \xff\n", "not valid UTF-8")],
)
def test_bom_and_bad_utf8_are_refused(path: Path, store: CredentialsFile, data: bytes, reason: str) -> None:
    put(path, data)
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match=re.escape(reason)):
        store.read()
    with pytest.raises(CredentialsFileError, match=re.escape(reason)):
        store.write_session("dev", make_session())
    assert snapshot(path) == before


def test_reading_a_directory_is_an_error(path: Path, store: CredentialsFile) -> None:
    path.mkdir(parents=True)
    with pytest.raises(CredentialsFileError, match="Cannot read"):
        store.read()


# --- appending and forgetting ---------------------------------------------------------------------------


def test_append_keeps_every_byte_and_adds_one_blank_line(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    store.write_session("dev", make_session())
    assert path.read_text() == RICH + "\n[dev]\n" + session_block()


def test_append_uses_the_files_line_ending(path: Path, store: CredentialsFile) -> None:
    original = VARIANTS["crlf"]
    put(path, original)
    store.write_session("dev", make_session())
    assert path.read_bytes() == original + ("\r\n[dev]\r\n" + session_block(newline="\r\n")).encode()


def test_append_to_a_file_without_final_newline_ends_its_last_line(
    path: Path, store: CredentialsFile
) -> None:
    original = VARIANTS["no-final-newline"]
    put(path, original)
    store.write_session("dev", make_session())
    assert path.read_bytes() == original + ("\n[dev]\n" + session_block()).encode()


def test_append_to_a_missing_file(path: Path, store: CredentialsFile) -> None:
    store.write_session("dev", make_session())
    assert path.read_text() == "[dev]\n" + session_block()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_forget_restores_the_original_bytes(path: Path, store: CredentialsFile, variant: str) -> None:
    original = VARIANTS[variant]
    put(path, original)
    store.write_session("dev", make_session(n=1))
    store.write_session("dev", make_session(n=2, region="us-east-1"))  # a refresh, adding a key
    store.write_session("ops", make_session("ops", n=3))
    assert store.remove("dev", "dev") is True
    assert store.remove("ops", "ops") is True
    assert path.read_bytes() == original
    assert store.remove("dev", "dev") is False
    assert path.read_bytes() == original


def test_forget_in_the_middle_leaves_neighbours_alone(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    store.write_session("dev", make_session())
    with path.open("a") as extra:
        extra.write("\n[after]\nk = v\n")
    store.remove("dev", "dev")
    assert path.read_text() == RICH + "\n[after]\nk = v\n"


def test_forget_of_a_missing_file_or_directory(path: Path, store: CredentialsFile) -> None:
    assert store.remove("dev", "dev") is False
    assert not path.parent.exists()


# --- rewriting in place ---------------------------------------------------------------------------------

OWNED = (
    "[a]\n"
    "k = v\n"
    "\n"
    "[dev]\n"
    "# the user's note about dev\n"
    "aws_access_key_id=OLDKEY\n"
    "output = json\n"
    "aws_security_token = STALE\n"
    "aws_secret_access_key   =   old-secret\n"
    "aws_session_token = old-token\n"
    "    continued-old-token\n"
    "x_stsui_role = dev\n"
    "\n"
    "# about b\n"
    "[b]\n"
    "k = v\n"
)


def test_rewrite_in_place_keeps_position_spacing_comments_and_extra_keys(
    path: Path, store: CredentialsFile
) -> None:
    put(path, OWNED.encode())
    store.write_session("dev", make_session(region="eu-west-1"))
    assert path.read_text() == (
        "[a]\n"
        "k = v\n"
        "\n"
        "[dev]\n"
        "# the user's note about dev\n"
        "aws_access_key_id=ASIA0000000000000001\n"
        "output = json\n"
        "aws_secret_access_key   =   secret-1\n"
        "aws_session_token = token-1\n"
        "x_stsui_role = dev\n"
        "x_security_token_expires = 2026-11-30T03:48:40Z\n"
        "x_principal_arn = arn:aws:sts::123456789012:assumed-role/dev/stsui\n"
        "region = eu-west-1\n"
        "\n"
        "# about b\n"
        "[b]\n"
        "k = v\n"
    )


def test_rewrite_keeps_a_header_with_trailing_text(path: Path, store: CredentialsFile) -> None:
    put(path, f"[dev] # mine\n{session_block()}".encode())
    store.write_session("dev", make_session(n=7))
    assert path.read_text() == f"[dev] # mine\n{session_block(n=7)}"


def test_stale_security_token_no_longer_wins_in_botocore(
    path: Path, store: CredentialsFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(path, OWNED.encode())
    assert botocore_credentials(monkeypatch, path, "dev")[2] == "STALE"
    store.write_session("dev", make_session(n=5))
    assert botocore_credentials(monkeypatch, path, "dev") == ("ASIA0000000000000005", "secret-5", "token-5")


def test_botocore_reads_appended_sessions_and_the_users_profiles(
    path: Path, store: CredentialsFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(path, VARIANTS["crlf"])
    store.write_session("dev", make_session(n=1))
    store.write_session("ops", make_session("ops", n=2))
    assert botocore_credentials(monkeypatch, path, "dev") == ("ASIA0000000000000001", "secret-1", "token-1")
    assert botocore_credentials(monkeypatch, path, "ops") == ("ASIA0000000000000002", "secret-2", "token-2")
    key, secret, token = botocore_credentials(monkeypatch, path, "default")
    assert (key, secret, token) == ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None)


def test_a_file_with_a_defaults_section_keeps_it(path: Path, store: CredentialsFile) -> None:
    put(path, b"[DEFAULT]\nregion = eu-west-1\n\n[a]\nk = v\n")
    store.write_session("dev", make_session())
    assert path.read_text().startswith("[DEFAULT]\nregion = eu-west-1\n\n[a]\nk = v\n\n[dev]\n")
    assert list(store.read()) == ["a", "dev"]


def test_a_stale_token_in_defaults_is_shadowed(
    path: Path, store: CredentialsFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(path, b"[DEFAULT]\naws_security_token = STALE\n")
    store.write_session("dev", make_session(n=4))
    assert botocore_credentials(monkeypatch, path, "dev") == ("ASIA0000000000000004", "secret-4", "token-4")
    assert "aws_session_token = token-4\naws_security_token = token-4\n" in path.read_text()
    store.remove("dev", "dev")
    assert path.read_bytes() == b"[DEFAULT]\naws_security_token = STALE\n"


# --- refusals -------------------------------------------------------------------------------------------


def test_refuses_to_overwrite_a_profile_it_did_not_write(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match="--force") as refused:
        store.write_session("default", make_session())
    assert "'default'" in str(refused.value) and str(path) in str(refused.value)
    assert snapshot(path) == before


def test_refuses_to_overwrite_another_roles_profile(path: Path, store: CredentialsFile) -> None:
    put(path, f"[dev]\n{session_block('ops')}".encode())
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match=r"belongs to stsui role 'ops'.*--force"):
        store.write_session("dev", make_session("dev"))
    assert snapshot(path) == before


def test_force_takes_over_a_profile_in_place(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    store.write_session("ci", make_session(), force=True)
    text = path.read_text()
    assert text.startswith(RICH.split("[ci]")[0])
    assert "    aws_access_key_id = ASIA0000000000000001\n" in text
    assert text.endswith("    x_stsui_role = dev\n; trailing comment\n")
    assert store.read()["ci"].owner_role == "dev"


@pytest.mark.parametrize(
    ("text", "role", "match"),
    [
        (RICH, "dev", r"'ci' .* was not written by stsui"),
        (f"[ci]\n{session_block('ops')}", "dev", "belongs to stsui role 'ops', not 'dev'"),
    ],
)
def test_refuses_to_forget_what_it_does_not_own(
    path: Path, store: CredentialsFile, text: str, role: str, match: str
) -> None:
    put(path, text.encode())
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match=match):
        store.remove("ci", role)
    assert snapshot(path) == before


@pytest.mark.parametrize(
    "profile",
    ["", "DEFAULT", "Default", "a[b", "a]b", "a\nb", "a\rb", "tab\there", " lead", "trail ", "nul\x00"],
)
def test_refuses_profile_names_that_break_the_file(path: Path, store: CredentialsFile, profile: str) -> None:
    put(path, RICH.encode())
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match=re.escape(str(path))):
        store.write_session(profile, make_session())
    with pytest.raises(CredentialsFileError):
        store.remove(profile, "dev")
    assert snapshot(path) == before


def test_the_aws_default_profile_name_is_allowed(path: Path, store: CredentialsFile) -> None:
    store.write_session("default", make_session())
    assert store.read()["default"].owner_role == "dev"


@pytest.mark.parametrize(
    "session",
    [
        Session("dev", Credentials("AKIA", "sec\nret", "token", EXPIRES), "arn"),
        Session("dev", Credentials("AKIA", "secret", " token", EXPIRES), "arn"),
        Session("role\r", Credentials("AKIA", "secret", "token", EXPIRES), "arn"),
    ],
)
def test_refuses_values_that_would_not_read_back(
    path: Path, store: CredentialsFile, session: Session
) -> None:
    with pytest.raises(CredentialsFileError, match="'dev' was not written"):
        store.write_session("dev", session)
    assert not path.exists()


def test_refuses_a_forget_that_would_change_another_profile(path: Path, store: CredentialsFile) -> None:
    # [b] is a header only because the line before it is indented deeper; without [dev] it would
    # become a continuation of [a]'s key.
    put(path, b"[a]\nk = v\n[dev]\n   x_stsui_role = dev\n  [b]\nc = d\n")
    before = snapshot(path)
    with pytest.raises(CredentialsFileError, match="indentation"):
        store.remove("dev", "dev")
    assert snapshot(path) == before


# --- how the file is written ----------------------------------------------------------------------------


def test_written_file_is_private_even_if_it_was_not(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode(), mode=0o644)
    store.write_session("dev", make_session())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_directory_is_created_private(path: Path, store: CredentialsFile) -> None:
    store.write_session("dev", make_session())
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_directory_mode_is_left_alone(path: Path, store: CredentialsFile) -> None:
    path.parent.mkdir(mode=0o755)
    path.parent.chmod(0o755)
    store.write_session("dev", make_session())
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755


def test_a_symlinked_file_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "credentials"
    put(target, RICH.encode(), mode=0o644)
    link = tmp_path / ".aws" / "credentials"
    link.parent.mkdir()
    link.symlink_to(target)
    CredentialsFile(link).write_session("dev", make_session())
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == RICH + "\n[dev]\n" + session_block()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in link.parent.iterdir()) == ["credentials"]


def test_no_temp_files_are_left_and_stale_ones_are_cleared(path: Path, store: CredentialsFile) -> None:
    put(path, RICH.encode())
    (path.parent / ".credentials.stsui-deadbeef.tmp").write_text("secret left by a killed writer")
    store.write_session("dev", make_session())
    assert sorted(p.name for p in path.parent.iterdir()) == ["credentials"]


def test_a_failed_replace_leaves_the_file_and_no_temp(
    path: Path, store: CredentialsFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(path, RICH.encode())
    before = snapshot(path)

    def broken_replace(src: object, dst: object, **dir_fds: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(CredentialsFileError, match="No space left on device"):
        store.write_session("dev", make_session())
    assert snapshot(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["credentials"]


@pytest.mark.parametrize("anonymous", [True, False])
def test_writes_with_and_without_anonymous_temp_files(
    path: Path, store: CredentialsFile, monkeypatch: pytest.MonkeyPatch, anonymous: bool
) -> None:
    monkeypatch.setattr(atomic, "_anonymous_temp_works", anonymous)
    store.write_session("dev", make_session())
    assert path.read_text() == "[dev]\n" + session_block()
    assert sorted(p.name for p in path.parent.iterdir()) == ["credentials"]


def test_a_held_lock_times_out_without_touching_the_file(path: Path) -> None:
    put(path, RICH.encode())
    before = snapshot(path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(CredentialsFileError, match="Another stsui process is writing"):
            CredentialsFile(path, lock_timeout=0).write_session("dev", make_session())
    finally:
        os.close(fd)
    assert snapshot(path) == before


def test_concurrent_writers_lose_nothing(path: Path) -> None:
    put(path, RICH.encode())
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for round_ in range(3):
                store = CredentialsFile(path)
                store.write_session(f"p{worker}", make_session(f"r{worker}", n=worker * 10 + round_))
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = CredentialsFile(path).read()
    for worker in range(8):
        session = CredentialsFile(path).read_session(f"p{worker}", f"r{worker}")
        assert session is not None and session.credentials.access_key_id == f"ASIA{worker * 10 + 2:016d}"
    assert len(entries) == 3 + 8
    assert path.read_text().startswith(RICH)


def test_stamp_changes_when_the_file_does(path: Path, store: CredentialsFile) -> None:
    store.write_session("dev", make_session(n=1))
    first = store.stamp()
    store.write_session("dev", make_session(n=2))
    assert first is not None and store.stamp() != first


# --- where the file is ----------------------------------------------------------------------------------


def test_credentials_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds")
    assert credentials_path() == tmp_path / "elsewhere" / "creds"
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE")
    assert credentials_path() == tmp_path / ".aws" / "credentials"
