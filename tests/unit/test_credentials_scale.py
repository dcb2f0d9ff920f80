"""A credentials file of 50,000 profiles: stsui's writes keep every other byte; botocore still reads it."""

from __future__ import annotations

import configparser
from datetime import UTC, datetime
from pathlib import Path

from stsui.domain.model import Credentials, Session
from stsui.store.credentials_file import CredentialsFile, session_values

SECTIONS = 50_000


def big_file(owned_at: int) -> bytes:
    parts = ["# the team's profiles\n[default]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n"]
    for index in range(SECTIONS):
        if index == owned_at:
            parts.append(
                "\n[mid]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\n"
                "aws_session_token = old\nx_security_token_expires = 2020-01-01T00:00:00Z\n"
                "x_stsui_role = mid\n"
            )
        indent = "  " if index % 997 == 0 else ""  # now and then an indented key, as people write them
        parts.append(
            f"\n# profile {index}\n[p{index:06d}]\n{indent}aws_access_key_id = AKIA{index:012d}\n"
            f"aws_secret_access_key = secret-{index}\nregion = eu-west-1\n"
        )
    return "".join(parts).encode()


def session(role: str) -> Session:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    credentials = Credentials("ASIANEW", "new-secret", "new-token", expires)
    return Session(role, credentials, f"arn:x:{role}", "us-east-1")


def test_a_50000_section_file_keeps_every_byte_through_assume_and_forget(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    original = big_file(owned_at=SECTIONS // 2)
    path.write_bytes(original)
    path.chmod(0o600)
    store = CredentialsFile(path)

    store.write_session("new", session("new"))  # a new profile: appended at the end
    appended = path.read_bytes()
    assert appended.startswith(original)
    assert appended[len(original) :].startswith(b"\n[new]\n")

    store.write_session("mid", session("mid"))  # stsui's own profile in the middle: changed in place
    changed = path.read_bytes()
    head, _, tail = appended.partition(b"\n[mid]\n")
    assert changed.startswith(head + b"\n[mid]\n")
    assert changed.endswith(tail[tail.index(b"\n\n# profile") :])

    parser = configparser.RawConfigParser()  # what botocore reads
    parser.read_string(changed.decode())
    assert len(parser.sections()) == SECTIONS + 3
    assert dict(parser.items("mid")) == session_values(session("mid"))
    assert parser.get(f"p{SECTIONS - 1:06d}", "aws_secret_access_key") == f"secret-{SECTIONS - 1}"

    assert store.remove("new", "new") is True  # forget: the appended lines go, nothing else
    assert path.read_bytes() == changed[: changed.rindex(b"\n[new]\n")]
    assert store.read_session("mid", "mid") == session("mid")
    assert len(store.read()) == SECTIONS + 2

    assert store.remove("mid", "mid") is True
    start = original.index(b"\n[mid]\n")
    end = original.index(b"x_stsui_role = mid\n") + len(b"x_stsui_role = mid\n")
    assert path.read_bytes() == original[:start] + original[end:]
