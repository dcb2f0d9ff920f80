"""IAM Identity Center on boto3: the OIDC device flow (`sso-oidc`) and the portal (`sso`).

Both APIs are unsigned (the portal takes the access token in a header); their endpoints follow botocore's
configuration (`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`). Every call makes one attempt: the login
loop and discovery decide themselves when to try again. No token, secret or sign-in URL reaches a message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import boto3
import botocore.config
import botocore.exceptions as bce
from botocore import UNSIGNED
from botocore.parsers import ResponseParserError

from stsui.aws.answers import checked_credentials
from stsui.aws.bounded import AnswerTooLarge, DeadlinePassed, cap_answers, within_deadline
from stsui.aws.limits import ATTEMPT_DEADLINE, CONNECT_TIMEOUT, MAX_ANSWER_BYTES, READ_TIMEOUT
from stsui.domain.errors import StsError
from stsui.domain.model import Credentials
from stsui.domain.printable import printable
from stsui.domain.sso import ClientRegistration, DeviceAuthorization, Grant
from stsui.domain.times import from_epoch, utc_now

CLIENT_NAME = "stsui"
PAGE_SIZE = 100
"""The most the portal hands out per page: fewer pages, fewer requests against its quota."""
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CHECK_NETWORK = "check the network, proxy or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC"

T = TypeVar("T")


def _config() -> botocore.config.Config:
    return botocore.config.Config(
        signature_version=UNSIGNED,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": 1},
        user_agent_extra="stsui",
    )


def _fail(action: str, error: Exception) -> StsError:
    if isinstance(error, bce.ClientError):
        details = error.response.get("Error", {})
        code = printable(details.get("Code", "Unknown"), 100)
        message = printable(details.get("Message", "") or "no message", 300).rstrip(".")
        return StsError(f"{action} failed: {code}: {message}.", code)
    if isinstance(error, AnswerTooLarge):
        return StsError(
            f"{action} failed: the answer is larger than {MAX_ANSWER_BYTES // 1024} KiB; {CHECK_NETWORK}.",
            "AnswerTooLarge",
        )
    if isinstance(error, bce.ConnectTimeoutError | bce.ReadTimeoutError | DeadlinePassed):
        return StsError(
            f"{action} failed: IAM Identity Center did not answer in time; {CHECK_NETWORK}.", "Timeout"
        )
    if isinstance(error, bce.EndpointConnectionError | bce.ConnectionClosedError | bce.ProxyConnectionError):
        return StsError(
            f"{action} failed: could not connect to IAM Identity Center; {CHECK_NETWORK}.", "ConnectionError"
        )
    if isinstance(error, ResponseParserError | KeyError | TypeError | ValueError):
        return StsError(
            f"{action} failed: the answer is not an IAM Identity Center response; {CHECK_NETWORK}.",
            "MalformedResponse",
        )
    return StsError(f"{action} failed: {type(error).__name__}.", type(error).__name__)


def _seconds(value: Any) -> int:
    """A duration IAM Identity Center gives (`expiresIn`); ValueError (a malformed answer) when it is none
    or so long that adding it to a time would overflow."""
    seconds = int(value)
    if not 0 <= seconds < 10**9:
        raise ValueError("no usable duration")
    return seconds


def _epoch(seconds: int | float) -> datetime:
    """A time IAM Identity Center gives in epoch seconds; ValueError (a malformed answer) when unreadable."""
    moment = from_epoch(seconds)
    if moment is None:
        raise ValueError("no readable time")
    return moment


class BotoSsoGateway:
    """Implements `stsui.engine.gateway.SsoGateway`. Thread-safe: clients are built under a lock, cached.
    `clock` says whether role credentials are still valid: the logins' clock."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, region: str) -> Any:
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session()
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = cap_answers(
                    self._session.client(service, region_name=region, config=_config())
                )
            return self._clients[key]

    @staticmethod
    def _call(action: str, call: Callable[[], Any], read: Callable[[Any], T]) -> T:
        try:
            return read(within_deadline(call, ATTEMPT_DEADLINE))
        except (
            AnswerTooLarge,
            DeadlinePassed,
            bce.BotoCoreError,
            bce.ClientError,
            ResponseParserError,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            raise _fail(action, error) from None

    def register_client(self, *, region: str, scopes: tuple[str, ...]) -> ClientRegistration:
        client = self._client("sso-oidc", region)
        return self._call(
            "RegisterClient with IAM Identity Center",
            lambda: client.register_client(clientName=CLIENT_NAME, clientType="public", scopes=list(scopes)),
            lambda answer: ClientRegistration(
                str(answer["clientId"]), str(answer["clientSecret"]), _epoch(answer["clientSecretExpiresAt"])
            ),
        )

    def start_device_authorization(
        self, *, region: str, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization:
        oidc = self._client("sso-oidc", region)
        return self._call(
            "StartDeviceAuthorization with IAM Identity Center",
            lambda: oidc.start_device_authorization(
                clientId=client.client_id, clientSecret=client.client_secret, startUrl=start_url
            ),
            lambda answer: DeviceAuthorization(
                device_code=str(answer["deviceCode"]),
                user_code=str(answer["userCode"]),
                verification_uri=str(answer["verificationUri"]),
                verification_uri_complete=str(
                    answer.get("verificationUriComplete") or answer["verificationUri"]
                ),
                expires_in=_seconds(answer["expiresIn"]),
                interval=int(answer.get("interval", 5)),
            ),
        )

    def create_token(self, *, region: str, client: ClientRegistration, device_code: str) -> Grant:
        return self._grant(region, client, grantType=DEVICE_GRANT, deviceCode=device_code)

    def renew_token(self, *, region: str, client: ClientRegistration, refresh_token: str) -> Grant:
        return self._grant(region, client, grantType="refresh_token", refreshToken=refresh_token)

    def _grant(self, region: str, client: ClientRegistration, **grant: str) -> Grant:
        """CreateToken with `grant`'s fields (the device-code or the refresh-token grant)."""
        oidc = self._client("sso-oidc", region)
        params = {"clientId": client.client_id, "clientSecret": client.client_secret, **grant}
        return self._call(
            "CreateToken with IAM Identity Center",
            lambda: oidc.create_token(**params),
            lambda answer: Grant(
                str(answer["accessToken"]), _seconds(answer["expiresIn"]), answer.get("refreshToken") or None
            ),
        )

    def list_accounts(
        self, *, region: str, access_token: str, next_token: str | None
    ) -> tuple[list[tuple[str, str]], str | None]:
        portal = self._client("sso", region)
        page: dict[str, Any] = {"maxResults": PAGE_SIZE}
        if next_token:
            page["nextToken"] = next_token
        return self._call(
            "ListAccounts with IAM Identity Center",
            lambda: portal.list_accounts(accessToken=access_token, **page),
            lambda answer: (
                [
                    (printable(a["accountId"], 32), printable(a.get("accountName") or a["accountId"], 256))
                    for a in answer["accountList"]
                ],
                answer.get("nextToken") or None,
            ),
        )

    def list_account_roles(
        self, *, region: str, access_token: str, account_id: str, next_token: str | None
    ) -> tuple[list[str], str | None]:
        portal = self._client("sso", region)
        page: dict[str, Any] = {"maxResults": PAGE_SIZE}
        if next_token:
            page["nextToken"] = next_token
        return self._call(
            f"ListAccountRoles for account {account_id}",
            lambda: portal.list_account_roles(accessToken=access_token, accountId=account_id, **page),
            lambda answer: (
                [printable(r["roleName"], 128) for r in answer["roleList"]],
                answer.get("nextToken") or None,
            ),
        )

    def role_credentials(
        self, *, region: str, access_token: str, account_id: str, role_name: str
    ) -> Credentials:
        portal = self._client("sso", region)
        action = f"GetRoleCredentials for {role_name} in account {account_id}"

        def read(answer: Any) -> Credentials:
            data = answer["roleCredentials"]
            expiration = _epoch(int(data["expiration"]) / 1000)  # epoch milliseconds
            return checked_credentials(
                action,
                data["accessKeyId"],
                data["secretAccessKey"],
                data["sessionToken"],
                expiration,
                self._clock(),
            )

        return self._call(
            action,
            lambda: portal.get_role_credentials(
                accessToken=access_token, accountId=account_id, roleName=role_name
            ),
            read,
        )

    def logout(self, *, region: str, access_token: str) -> None:
        portal = self._client("sso", region)
        self._call(
            "Logout from IAM Identity Center",
            lambda: portal.logout(accessToken=access_token),
            lambda _a: None,
        )
