"""Long-term IAM keys kept in the OS keyring: what stsui records with each, and the rules about them
(stdlib only, cheap to import)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stsui.domain.model import AccessKey

ROTATE_AFTER = timedelta(days=90)
"""A key older than this is flagged by `stsui keys list` (the age AWS's own guidance and most audits use)."""
ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{16,128}", re.ASCII)
"""An access key id as IAM makes them (`AKIA` + 16 for long-term keys)."""
TEMPORARY_PREFIX = "ASIA"
"""Access key ids of temporary credentials (STS sessions) start with this."""
SECRET_KEY = re.compile(r"[!-~]{16,128}", re.ASCII)
"""A secret access key: printable ASCII without spaces (IAM's own are 40 characters of base64)."""
WAIT_FOR_NEW_KEY = 60.0
"""The longest `stsui keys rotate` waits for IAM (eventually consistent) to accept a new key."""


@dataclass(frozen=True)
class KeyInfo:
    """What stsui records about a key beside its secret (nothing here is secret: `keys list` shows it)."""

    name: str
    access_key_id: str
    user_arn: str
    """GetCallerIdentity's ARN for the key when it was stored (the IAM user, or an account's root)."""
    added_at: datetime
    old_key_id: str | None = None
    """The key a rotation replaced and could not delete yet: the next `keys rotate` deletes it first."""

    def age(self, now: datetime) -> timedelta:
        return now - self.added_at

    def rotation_due(self, now: datetime) -> bool:
        return self.age(now) > ROTATE_AFTER

    @property
    def user_name(self) -> str | None:
        """The IAM user's name (the ARN's last path segment), None for an account's root keys."""
        return user_name_of(self.user_arn)


@dataclass(frozen=True)
class StoredKey:
    """A keyring entry: the key's record and its secret. `repr` never shows the secret."""

    info: KeyInfo
    secret_access_key: str = field(repr=False)

    @property
    def key(self) -> AccessKey:
        return AccessKey(self.info.name, self.info.access_key_id, self.secret_access_key)


def user_name_of(arn: str) -> str | None:
    """`alice` of `arn:aws:iam::123456789012:user/path/alice`; None for anything but an IAM user."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("user/"):
        return None
    return parts[5].rsplit("/", 1)[-1] or None


def key_id_problem(key_id: str) -> str | None:
    """Why `key_id` is no long-term access key id (a phrase completing "the access key id …"), or None."""
    if ACCESS_KEY_ID.fullmatch(key_id) is None:
        return "must be 16-128 capital letters and digits, like AKIAIOSFODNN7EXAMPLE"
    if key_id.startswith(TEMPORARY_PREFIX):
        return (
            "starts with ASIA, so it belongs to temporary credentials; the keyring keeps long-term keys "
            "(AKIA…)"
        )
    return None


def secret_problem(secret: str) -> str | None:
    """Why `secret` is no secret access key (a phrase completing "the secret access key …"), or None. The
    phrase never quotes it."""
    if SECRET_KEY.fullmatch(secret) is None:
        return "must be 16-128 printable characters without spaces (IAM's are 40 long)"
    return None
