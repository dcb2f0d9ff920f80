"""The STS gateway on boto3: AssumeRole, GetSessionToken, GetCallerIdentity, with bounded time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions as bce
from botocore.parsers import ResponseParserError

from stsui.aws.answers import checked_arn, checked_credentials, checked_identity
from stsui.aws.bounded import AnswerTooLarge, DeadlinePassed, cap_answers, within_deadline
from stsui.aws.endpoints import DEFAULT_REGION
from stsui.aws.errors import MalformedResponse, translate
from stsui.aws.federation import console_login_url
from stsui.aws.limits import CONNECT_TIMEOUT, MAX_ATTEMPTS, READ_TIMEOUT
from stsui.aws.messages import (
    answer_too_large,
    assume_role_action,
    federation_token_action,
    identity_action,
    reading_credentials_action,
    session_token_action,
    timed_out,
)
from stsui.aws.params import assume_role_params
from stsui.domain.model import AccessKey, Caller, Credentials, Identity, Role, Session
from stsui.domain.sts_calls import FederationTokenRequest, SessionTokenRequest

T = TypeVar("T")


def _client_config() -> botocore.config.Config:
    return botocore.config.Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        user_agent_extra="stsui",
    )


def _credentials(action: str, data: dict[str, Any]) -> Credentials:
    return checked_credentials(
        action, data["AccessKeyId"], data["SecretAccessKey"], data["SessionToken"], data["Expiration"]
    )


class BotoGateway:
    """Implements `stsui.engine.gateway.Gateway`. Thread-safe: clients are built under a lock and cached."""

    def __init__(self, *, default_region: str | None = None) -> None:
        self._default_region = default_region
        self._lock = threading.Lock()
        self._sessions: dict[str | None, boto3.session.Session] = {}
        self._clients: dict[tuple[str | None, str], Any] = {}

    def _session(self, profile: str | None) -> boto3.session.Session:
        if profile not in self._sessions:
            self._sessions[profile] = boto3.session.Session(profile_name=profile)
        return self._sessions[profile]

    def _region(self, session: boto3.session.Session, region: str | None) -> str:
        return region or self._default_region or session.region_name or DEFAULT_REGION

    def _client(self, profile: str | None, region: str | None, source: Caller | None) -> Any:
        with self._lock:
            if source is not None:
                session = self._session(None)
                return cap_answers(
                    session.client(
                        "sts",
                        region_name=self._region(session, region),
                        aws_access_key_id=source.access_key_id,
                        aws_secret_access_key=source.secret_access_key,
                        aws_session_token=getattr(source, "session_token", None),  # none for an AccessKey
                        config=_client_config(),
                    )
                )
            key = (profile, region or "")
            if key not in self._clients:
                session = self._session(profile)
                self._clients[key] = cap_answers(
                    session.client("sts", region_name=self._region(session, region), config=_client_config())
                )
            return self._clients[key]

    def eks_token_url(self, credentials: Credentials, *, cluster: str, region: str | None) -> str:
        """`aws eks get-token`'s way: botocore presigns GetCallerIdentity with the cluster's header."""
        from stsui.domain.eks import CLUSTER_HEADER, URL_EXPIRES

        client = None
        try:
            client = self._client(None, region, credentials)

            def name_the_cluster(request: Any, **_: Any) -> None:
                request.headers[CLUSTER_HEADER] = cluster

            client.meta.events.register("before-sign.sts.GetCallerIdentity", name_the_cluster)
            return str(
                client.generate_presigned_url("get_caller_identity", ExpiresIn=URL_EXPIRES, HttpMethod="GET")
            )
        except bce.BotoCoreError as error:
            endpoint = self._endpoint(client) if client is not None else "STS"
            raise translate(error, f"Signing an EKS token for cluster '{cluster}'", endpoint) from None

    @staticmethod
    def _endpoint(client: Any) -> str:
        return os.environ.get("AWS_ENDPOINT_URL_STS") or str(getattr(client.meta, "endpoint_url", "STS"))

    def _call(
        self,
        action: str,
        make_client: Callable[[], Any],
        call: Callable[[Any], dict[str, Any]],
        read: Callable[[dict[str, Any]], T],
    ) -> T:
        """`call` the client, then `read` the answer; any failure becomes one StsuiError sentence."""
        client = None
        try:
            client = make_client()
            answer = within_deadline(lambda: call(client))
        except DeadlinePassed:
            raise timed_out(action, self._endpoint(client)) from None
        except AnswerTooLarge:
            raise answer_too_large(action, self._endpoint(client)) from None
        except (bce.BotoCoreError, bce.ClientError, ResponseParserError) as error:
            endpoint = self._endpoint(client) if client is not None else "STS"
            raise translate(error, action, endpoint) from None
        except KeyError:  # botocore's XML parser, fed well-formed XML that is no STS answer (an HTML page)
            raise translate(MalformedResponse(), action, self._endpoint(client)) from None
        try:
            return read(answer)
        except (KeyError, TypeError, AttributeError, ValueError):  # a 200 without the fields STS always sends
            raise translate(MalformedResponse(), action, self._endpoint(client)) from None

    def assume_role(self, role: Role, *, duration: int, source: Caller | None) -> Session:
        params = assume_role_params(role, duration)
        what = assume_role_action(role.name)
        return self._call(
            what,
            lambda: self._client(role.source_profile, role.region, source),
            lambda client: client.assume_role(**params),
            lambda answer: Session(
                role_name=role.name,
                credentials=_credentials(what, answer["Credentials"]),
                assumed_role_arn=checked_arn(answer["AssumedRoleUser"]["Arn"]),
                region=role.region,
            ),
        )

    def get_session_token(self, request: SessionTokenRequest) -> Credentials:
        what = session_token_action(request.serial)
        return self._call(
            what,
            lambda: self._client(request.source_profile, request.region, request.keys),
            lambda client: client.get_session_token(
                DurationSeconds=request.duration, SerialNumber=request.serial, TokenCode=request.code
            ),
            lambda answer: _credentials(what, answer["Credentials"]),
        )

    def caller_identity(
        self, *, profile: str | None = None, credentials: Caller | None = None, region: str | None = None
    ) -> Identity:
        keys = credentials.name if isinstance(credentials, AccessKey) else None
        return self._call(
            identity_action(profile, credentials is not None, keys),
            lambda: self._client(profile, region, credentials),
            lambda client: client.get_caller_identity(),
            lambda answer: checked_identity(answer["Account"], answer["Arn"], answer["UserId"]),
        )

    def has_long_term_keys(self, profile: str | None) -> bool:
        what = reading_credentials_action(profile)
        try:
            with self._lock:
                credentials = self._session(profile).get_credentials()
        except bce.BotoCoreError as error:
            raise translate(error, what, "STS") from None
        if credentials is None:
            raise translate(bce.NoCredentialsError(), what, "STS")
        if isinstance(credentials, botocore.credentials.RefreshableCredentials):
            return False  # SSO, role profiles, credential_process with an expiry, containers, instances
        return not credentials.token

    def get_federation_token(self, request: FederationTokenRequest) -> Session:
        what = federation_token_action(request.profile, request.keys.name if request.keys else None)
        return self._call(
            what,
            lambda: self._client(request.profile, request.region, request.keys),
            lambda client: client.get_federation_token(
                Name=request.name, Policy=request.policy, DurationSeconds=request.duration
            ),
            lambda answer: Session(
                role_name=request.name,
                credentials=_credentials(what, answer["Credentials"]),
                assumed_role_arn=checked_arn(answer["FederatedUser"]["Arn"]),
                region=request.region,
            ),
        )

    console_login_url = staticmethod(console_login_url)
    """The federation endpoint is no STS call: the same standard-library request on every path."""
