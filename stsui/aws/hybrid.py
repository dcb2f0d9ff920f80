"""The gateway stsui uses: direct standard-library calls where botocore's answer is plain static keys and
a plain endpoint, boto3 (imported on first need) for everything else."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from xml.etree.ElementTree import Element

from stsui.aws.answers import checked_arn, checked_credentials, checked_identity
from stsui.aws.direct import DirectClient, text
from stsui.aws.endpoints import check_environment
from stsui.aws.federation import console_login_url
from stsui.aws.messages import (
    assume_role_action,
    federation_token_action,
    identity_action,
    not_sts,
    session_token_action,
)
from stsui.aws.params import assume_role_params, flatten
from stsui.aws.profiles import Plan, Resolver
from stsui.aws.sigv4 import Keys
from stsui.domain.model import AccessKey, Caller, Credentials, Identity, Role, Session
from stsui.domain.sts_calls import FederationTokenRequest, SessionTokenRequest

if TYPE_CHECKING:
    from stsui.aws.gateway import BotoGateway

T = TypeVar("T")


def _credentials(action: str) -> Callable[[Element], Credentials]:
    def read(result: Element) -> Credentials:
        return checked_credentials(
            action,
            text(result, "Credentials", "AccessKeyId"),
            text(result, "Credentials", "SecretAccessKey"),
            text(result, "Credentials", "SessionToken"),
            text(result, "Credentials", "Expiration"),
        )

    return read


def _session(action: str, name: str, user: str, region: str | None) -> Callable[[Element], Session]:
    """A session named `name` from an answer holding its credentials and the ARN under `user` (the
    assumed-role or federated user)."""

    def read(result: Element) -> Session:
        credentials = _credentials(action)(result)
        return Session(name, credentials, checked_arn(text(result, user, "Arn")), region)

    return read


def _keys(credentials: Caller | None) -> Keys | None:
    if credentials is None:
        return None
    if isinstance(credentials, AccessKey):
        return Keys(credentials.access_key_id, credentials.secret_access_key)
    return Keys(credentials.access_key_id, credentials.secret_access_key, credentials.session_token)


def _keyring_name(credentials: Caller | None) -> str | None:
    return credentials.name if isinstance(credentials, AccessKey) else None


class HybridGateway:
    """Implements `stsui.engine.gateway.Gateway`; thread-safe."""

    def __init__(self, *, default_region: str | None = None) -> None:
        check_environment()
        self._default_region = default_region
        self._resolver = Resolver()
        self._direct = DirectClient()
        self._lock = threading.Lock()
        self._boto_gateway: BotoGateway | None = None

    @property
    def boto(self) -> BotoGateway:
        with self._lock:
            if self._boto_gateway is None:
                from stsui.aws.gateway import BotoGateway

                self._boto_gateway = BotoGateway(default_region=self._default_region)
            return self._boto_gateway

    def _plan(self, profile: str | None, region: str | None, source: Caller | None) -> Plan | None:
        keys = _keys(source)
        return self._resolver.plan(None if keys else profile, region or self._default_region, keys)

    def _call(
        self, plan: Plan, action: str, fields: dict[str, str], what: str, read: Callable[[Element], T]
    ) -> T:
        result = self._direct.call(action, fields, plan.keys, plan.target, what)
        try:
            return read(result)
        except (KeyError, ValueError):  # a 200 without the fields STS always sends
            raise not_sts(what, plan.target.endpoint) from None

    def assume_role(self, role: Role, *, duration: int, source: Caller | None) -> Session:
        plan = self._plan(role.source_profile, role.region, source)
        if plan is None:
            return self.boto.assume_role(role, duration=duration, source=source)
        what = assume_role_action(role.name)
        return self._call(
            plan,
            "AssumeRole",
            flatten(assume_role_params(role, duration)),
            what,
            _session(what, role.name, "AssumedRoleUser", role.region),
        )

    def get_session_token(self, request: SessionTokenRequest) -> Credentials:
        plan = self._plan(request.source_profile, request.region, request.keys)
        if plan is None:
            return self.boto.get_session_token(request)
        fields = {
            "DurationSeconds": str(request.duration),
            "SerialNumber": request.serial,
            "TokenCode": request.code,
        }
        what = session_token_action(request.serial)
        return self._call(plan, "GetSessionToken", fields, what, _credentials(what))

    def caller_identity(
        self, *, profile: str | None = None, credentials: Caller | None = None, region: str | None = None
    ) -> Identity:
        plan = self._plan(profile, region, credentials)
        if plan is None:
            return self.boto.caller_identity(profile=profile, credentials=credentials, region=region)
        return self._call(
            plan,
            "GetCallerIdentity",
            {},
            identity_action(profile, credentials is not None, _keyring_name(credentials)),
            lambda result: checked_identity(
                text(result, "Account"), text(result, "Arn"), text(result, "UserId")
            ),
        )

    def has_long_term_keys(self, profile: str | None) -> bool:
        plan = self._plan(profile, None, None)
        if plan is None:
            return self.boto.has_long_term_keys(profile)
        assert plan.keys is not None
        return not plan.keys.session_token

    def get_federation_token(self, request: FederationTokenRequest) -> Session:
        plan = self._plan(request.profile, request.region, request.keys)
        if plan is None:
            return self.boto.get_federation_token(request)
        what = federation_token_action(request.profile, _keyring_name(request.keys))
        return self._call(
            plan,
            "GetFederationToken",
            {"Name": request.name, "Policy": request.policy, "DurationSeconds": str(request.duration)},
            what,
            _session(what, request.name, "FederatedUser", request.region),
        )

    def eks_token_url(self, credentials: Credentials, *, cluster: str, region: str | None) -> str:
        from datetime import UTC, datetime

        from stsui.aws.eks import presigned_identity_url

        url = presigned_identity_url(
            self._resolver,
            credentials,
            cluster=cluster,
            region=region or self._default_region,
            now=datetime.now(UTC),
        )
        return url or self.boto.eks_token_url(credentials, cluster=cluster, region=region)

    console_login_url = staticmethod(console_login_url)
    """The federation endpoint is no STS call: the same standard-library request on every path."""
