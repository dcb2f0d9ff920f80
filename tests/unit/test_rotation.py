"""`keys rotate` failing at each step: whatever fails, a working key stays stored and one sentence says which
key is stored and what remains. A fake IAM and STS (the real ones are tested in tests/integration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stsui.domain.access_keys import KeyInfo, StoredKey
from stsui.domain.errors import KeyringError, StsError, StsuiError
from stsui.domain.model import AccessKey, Credentials, Identity
from stsui.engine.rotation import Rotation
from tests.support.fakes import make_engine

OLD = AccessKey("work", "AKIAOLD0000000000001", "old-secret-000000000000000000000000000000")
ARN = "arn:aws:iam::123456789012:user/alice"
ROLES = '[defaults]\nsource_keys = "work"\n\n[roles.r]\nrole_arn = "arn:aws:iam::111111111111:role/R"\n'


@dataclass
class Store:
    """Keys by name, as the keyring keeps them (`KeyStore`); `fail_on` makes the n-th put fail."""

    keys: dict[str, StoredKey] = field(default_factory=dict)
    puts: int = 0
    fail_on: set[int] = field(default_factory=set)

    def get(self, name: str) -> StoredKey:
        return self.keys[name]

    def find(self, name: str) -> StoredKey | None:
        return self.keys.get(name)

    def put(self, stored: StoredKey) -> None:
        self.puts += 1
        if self.puts in self.fail_on:
            raise KeyringError("The OS keyring is locked and could not be unlocked here.")
        self.keys[stored.info.name] = stored

    def remove(self, name: str) -> KeyInfo | None:
        return self.keys.pop(name).info

    def infos(self) -> list[KeyInfo]:
        return [stored.info for stored in self.keys.values()]


@dataclass
class Iam:
    """IAM's keys of one user; `fail` maps a call to the error it raises."""

    keys: list[str] = field(default_factory=lambda: [OLD.access_key_id])
    fail: dict[str, StsError] = field(default_factory=dict)
    made: int = 0

    def create_access_key(
        self, *, caller: object, user_name: str | None, partition: str, name: str
    ) -> AccessKey:
        if "create" in self.fail:
            raise self.fail["create"]
        if len(self.keys) >= 2:
            raise StsError("CreateAccessKey failed: LimitExceeded: Cannot exceed quota", "LimitExceeded")
        self.made += 1
        key = AccessKey(name, f"AKIANEW000000000000{self.made}", f"new-secret-{self.made:030d}")
        self.keys.append(key.access_key_id)
        return key

    def delete_access_key(
        self, *, caller: object, user_name: str | None, partition: str, access_key_id: str
    ) -> None:
        if "delete" in self.fail and access_key_id == OLD.access_key_id:
            raise self.fail["delete"]
        if access_key_id not in self.keys:
            raise StsError("DeleteAccessKey failed: NoSuchEntity", "NoSuchEntity")
        self.keys.remove(access_key_id)

    def list_access_keys(self, *, caller: object, user_name: str | None, partition: str) -> list[str]:
        return list(self.keys)


class Sts:
    """GetCallerIdentity for keys: `accepts` decides which keys STS knows yet."""

    def __init__(self, accepts: bool = True) -> None:
        self.accepts = accepts
        self.asked = 0

    def caller_identity(self, *, credentials: Credentials | AccessKey | None = None, **_: object) -> Identity:
        self.asked += 1
        if not self.accepts:
            raise StsError("GetCallerIdentity failed: InvalidClientTokenId", "InvalidClientTokenId")
        return Identity("123456789012", ARN, "AIDA")


class Rig:
    def __init__(self, home: Path, *, sts: Sts | None = None, iam: Iam | None = None) -> None:
        self.engine, _, self.clock = make_engine(home, ROLES)
        self.sts = sts or Sts()
        self.engine._gateway = self.sts  # type: ignore[assignment]
        self.store = Store()
        self.store.keys["work"] = StoredKey(
            KeyInfo("work", OLD.access_key_id, ARN, datetime(2026, 1, 1, tzinfo=UTC)), OLD.secret_access_key
        )
        self.iam = iam or Iam()
        self.slept: list[float] = []
        self.now = 0.0
        self.rotation = Rotation(
            self.engine, self.store, self.iam, sleep=self.sleep, monotonic=lambda: self.now
        )

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def stored_id(self) -> str:
        return self.store.keys["work"].info.access_key_id

    def fails(self) -> str:
        with pytest.raises(StsuiError) as caught:
            self.rotation.rotate("work")
        message = str(caught.value)
        assert "\n" not in message and "secret" not in message
        return message


def test_a_rotation_replaces_the_key_and_deletes_the_old_one(isolated_home: Path) -> None:
    rig = Rig(isolated_home)
    rotated = rig.rotation.rotate("work")
    assert rig.stored_id() == rotated.new_key_id != OLD.access_key_id
    assert rig.iam.keys == [rotated.new_key_id] and rotated.deleted == (OLD.access_key_id,)
    assert rig.store.keys["work"].info.old_key_id is None


def test_create_failing_changes_nothing(isolated_home: Path) -> None:
    rig = Rig(
        isolated_home,
        iam=Iam(fail={"create": StsError("CreateAccessKey failed: AccessDenied: no", "AccessDenied")}),
    )
    message = rig.fails()
    assert "before anything changed" in message and f"still {OLD.access_key_id}" in message
    assert rig.stored_id() == OLD.access_key_id and rig.iam.keys == [OLD.access_key_id]


def test_two_keys_already_is_its_own_sentence(isolated_home: Path) -> None:
    rig = Rig(isolated_home, iam=Iam(keys=[OLD.access_key_id, "AKIAOTHER00000000001"]))
    message = rig.fails()
    assert "already has two access keys, IAM's limit (the other is AKIAOTHER00000000001)" in message
    assert rig.stored_id() == OLD.access_key_id


def test_a_keyring_that_cannot_store_the_new_key_gets_it_deleted_in_iam_again(isolated_home: Path) -> None:
    rig = Rig(isolated_home)
    rig.store.fail_on = {1}
    message = rig.fails()
    assert "could not be stored" in message and "it was deleted in IAM again" in message
    assert rig.stored_id() == OLD.access_key_id and rig.iam.keys == [OLD.access_key_id]


def test_a_new_key_sts_never_accepts_is_given_up_after_the_wait_and_the_old_key_is_stored_again(
    isolated_home: Path,
) -> None:
    rig = Rig(isolated_home, sts=Sts(accepts=False))
    message = rig.fails()
    assert "did not accept the new key AKIANEW0000000000001 within 60 s" in message
    assert f"is the old key {OLD.access_key_id} again, which still works" in message
    assert rig.stored_id() == OLD.access_key_id and rig.iam.keys == [OLD.access_key_id]
    assert sum(rig.slept) == pytest.approx(60) and rig.sts.asked > 3  # bounded, and retried meanwhile


def test_a_failed_delete_leaves_the_new_key_stored_and_the_next_rotation_finishes_it(
    isolated_home: Path,
) -> None:
    denied = StsError("DeleteAccessKey failed: AccessDenied: no", "AccessDenied")
    rig = Rig(isolated_home, iam=Iam(fail={"delete": denied}))
    message = rig.fails()
    new = rig.stored_id()
    assert f"is now {new}, stored and working; the old key {OLD.access_key_id} still exists" in message
    assert "run 'stsui keys rotate work' again" in message
    assert rig.store.keys["work"].info.old_key_id == OLD.access_key_id
    rig.iam.fail.clear()
    rotated = rig.rotation.rotate("work")
    assert rotated.deleted == (OLD.access_key_id, new)
    assert rig.iam.keys == [rotated.new_key_id] == [rig.stored_id()]
