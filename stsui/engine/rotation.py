"""`stsui keys rotate NAME`: a new access key for the key's own IAM user, and the old one deleted, so that a
failure at any step leaves a working key in the keyring and one sentence saying what remains.

1. CreateAccessKey (IAM allows two keys per user: LimitExceeded names the other one).
2. Store the new key, remembering the old one as still to delete (`KeyInfo.old_key_id`).
3. Wait, at most `WAIT_FOR_NEW_KEY`, until GetCallerIdentity accepts the new key (IAM is eventually
   consistent); if it never does, the old key (untouched in IAM) is stored again and the new one deleted.
4. DeleteAccessKey of the old key, then forget it. A failure here leaves the new key stored and working; the
   next `keys rotate` deletes the old key first.

With an MFA device for the key (the `mfa_serial` of the roles assumed with it), one MFA session
(GetSessionToken: a cached one, or one new code) makes every IAM call: never two codes in one step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace

from stsui.domain.access_keys import WAIT_FOR_NEW_KEY, KeyInfo, StoredKey
from stsui.domain.arns import partition_of_arn
from stsui.domain.errors import StsError, StsuiError
from stsui.domain.model import AccessKey, Credentials, Role
from stsui.engine.engine import Engine
from stsui.engine.gateway import IamGateway
from stsui.engine.keys import KeyStore

NOT_YET = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure"})
"""What STS and IAM answer while a new key has not reached them yet."""
GONE = "NoSuchEntity"


@dataclass(frozen=True)
class Rotated:
    """A finished rotation: the key now stored, the one deleted, and anything else the user should know."""

    name: str
    new_key_id: str
    deleted: tuple[str, ...]


def mfa_role(engine: Engine, name: str) -> Role | None:
    """The first role assumed with the keyring's key `name` that has an MFA device: whose `mfa_serial`,
    `mfa_process` and MFA session the rotation uses (None: the key's IAM calls need no MFA)."""
    for role in engine.config.roles.values():
        if role.source_keys == name and role.mfa_serial is not None:
            return role
    return None


@dataclass
class Rotation:
    """One key's rotation; `sleep` and `monotonic` are injected for the tests of the wait."""

    engine: Engine
    store: KeyStore
    iam: IamGateway
    _: KW_ONLY
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    wait: float = WAIT_FOR_NEW_KEY

    def rotate(self, name: str, *, mfa_code: str | None = None) -> Rotated:
        stored = self.store.get(name)
        info = stored.info
        role = mfa_role(self.engine, name)
        caller: Credentials | AccessKey = stored.key
        if role is not None:
            caller = self.engine.mfa_credentials(role, mfa_code)
        deleted: list[str] = []
        if info.old_key_id:
            self._finish(stored, caller)
            deleted.append(info.old_key_id)
            info = replace(info, old_key_id=None)
            stored = StoredKey(info, stored.secret_access_key)
        new = self._create(info, caller)
        staged = StoredKey(
            KeyInfo(
                name, new.access_key_id, info.user_arn, self.engine.clock(), old_key_id=info.access_key_id
            ),
            new.secret_access_key,
        )
        self._store(staged, stored, new, caller)
        if not self._works(new):
            self._take_back(stored, new, caller)
        self._delete_old(staged, new if role is None else caller)
        return Rotated(name, new.access_key_id, (*deleted, info.access_key_id))

    # -- the steps ---------------------------------------------------------------------------------------

    def _delete(self, info: KeyInfo, caller: Credentials | AccessKey, key_id: str) -> None:
        partition = partition_of_arn(info.user_arn)
        self.iam.delete_access_key(
            caller=caller, user_name=info.user_name, partition=partition, access_key_id=key_id
        )

    def _finish(self, stored: StoredKey, caller: Credentials | AccessKey) -> None:
        """Delete the old key an earlier rotation left, and forget it (gone already is fine)."""
        info = stored.info
        assert info.old_key_id is not None
        try:
            self._delete(info, caller, info.old_key_id)
        except StsError as error:
            if error.code != GONE:
                raise StsuiError(
                    f"Key '{info.name}' ({info.access_key_id}) is stored and works, but the old key "
                    f"{info.old_key_id} an earlier rotation left could still not be deleted, so no new key "
                    f"was made: {error} Delete it in IAM, then run 'stsui keys rotate {info.name}' again."
                ) from None
        self.store.put(StoredKey(replace(info, old_key_id=None), stored.secret_access_key))

    def _create(self, info: KeyInfo, caller: Credentials | AccessKey) -> AccessKey:
        try:
            partition = partition_of_arn(info.user_arn)
            return self.iam.create_access_key(
                caller=caller, user_name=info.user_name, partition=partition, name=info.name
            )
        except StsError as error:
            if error.code == "LimitExceeded":
                raise StsuiError(self._two_keys(info, caller)) from None
            raise StsuiError(
                f"Rotating key '{info.name}' failed before anything changed: {error} Key '{info.name}' is "
                f"still {info.access_key_id}, stored and unchanged."
            ) from None

    def _two_keys(self, info: KeyInfo, caller: Credentials | AccessKey) -> str:
        """The sentence for IAM's two-keys-per-user limit, naming the key stsui does not hold."""
        user = info.user_name or "root"
        try:
            partition = partition_of_arn(info.user_arn)
            keys = self.iam.list_access_keys(caller=caller, user_name=info.user_name, partition=partition)
        except StsError:
            keys = []
        others = [key for key in keys if key != info.access_key_id]
        other = f" (the other is {', '.join(others)})" if others else ""
        return (
            f"IAM user '{user}' already has two access keys, IAM's limit{other}, so no new key could be "
            f"made; delete the one stsui does not hold in IAM, then run 'stsui keys rotate {info.name}' "
            f"again. Key '{info.name}' is still {info.access_key_id}, stored and unchanged."
        )

    def _store(
        self, staged: StoredKey, stored: StoredKey, new: AccessKey, caller: Credentials | AccessKey
    ) -> None:
        try:
            self.store.put(staged)
        except StsuiError as error:
            undone = self._undo_new(stored.info, new, caller)
            raise StsuiError(
                f"The new key {new.access_key_id} could not be stored ({error}); {undone} Key "
                f"'{stored.info.name}' is still {stored.info.access_key_id}, which works."
            ) from None

    def _undo_new(self, info: KeyInfo, new: AccessKey, caller: Credentials | AccessKey) -> str:
        """Delete the new key in IAM again; what to tell the user about it."""
        try:
            self._delete(info, caller, new.access_key_id)
        except StsError:
            return (
                f"the new key {new.access_key_id} still exists in IAM and is stored nowhere: delete it there."
            )
        return "it was deleted in IAM again."

    def _works(self, new: AccessKey) -> bool:
        """Whether GetCallerIdentity accepts `new` within the wait (1, 2, 4 … s apart)."""
        deadline = self.monotonic() + self.wait
        pause = 1.0
        while True:
            try:
                self.engine.gateway.caller_identity(credentials=new, region=self.engine.config.region)
                return True
            except StsError as error:
                if error.code not in NOT_YET:
                    return False
            left = deadline - self.monotonic()
            if left <= 0:
                return False
            self.sleep(min(pause, left))
            pause = min(pause * 2, 8.0)

    def _take_back(self, stored: StoredKey, new: AccessKey, caller: Credentials | AccessKey) -> None:
        """The new key never worked: store the old one (untouched in IAM) again, and delete the new one."""
        info = stored.info
        try:
            self.store.put(stored)
        except StsuiError as error:
            raise StsuiError(
                f"STS did not accept the new key {new.access_key_id} within {int(self.wait)} s, and the old "
                f"key could not be stored again ({error}); key '{info.name}' is the new key, which IAM may "
                f"accept shortly, and the old key {info.access_key_id} still exists: run "
                f"'stsui keys rotate {info.name}' again later."
            ) from None
        undone = self._undo_new(info, new, caller)
        raise StsuiError(
            f"STS did not accept the new key {new.access_key_id} within {int(self.wait)} s, so key "
            f"'{info.name}' is the old key {info.access_key_id} again, which still works; {undone}"
        )

    def _delete_old(self, staged: StoredKey, caller: Credentials | AccessKey) -> None:
        """Delete the replaced key (signed by the MFA session, else by the new key, retried while IAM does not
        know the new key yet), then forget it."""
        info = staged.info
        assert info.old_key_id is not None
        deadline = self.monotonic() + self.wait
        while True:
            try:
                self._delete(info, caller, info.old_key_id)
                break
            except StsError as error:
                if error.code == GONE:
                    break
                if error.code not in NOT_YET or self.monotonic() >= deadline:
                    raise StsuiError(
                        f"Key '{info.name}' is now {info.access_key_id}, stored and working; the old key "
                        f"{info.old_key_id} still exists ({error.code or 'failed'}): delete it in IAM or run "
                        f"'stsui keys rotate {info.name}' again."
                    ) from None
            self.sleep(1.0)
        self.store.put(StoredKey(replace(info, old_key_id=None), staged.secret_access_key))
