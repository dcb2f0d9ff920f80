"""The fake Identity Center speaks the real wire format: boto3's own `sso` and `sso-oidc` clients use it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.support.clock import Clock, moment
from tests.support.sso_fake import DEVICE_GRANT, SsoFake

NOON = moment(2026, 12, 4, 12)


@pytest.fixture
def sso_clock() -> Callable[[], datetime]:
    """The fake's times are the test's: exact, on any day."""
    return Clock(NOON)


def _clients() -> tuple[Any, Any]:
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    session = boto3.session.Session()
    return (
        session.client("sso-oidc", region_name="eu-west-1", config=config),
        session.client("sso", region_name="eu-west-1", config=config),
    )


def test_device_flow_pending_slow_down_then_token_and_refresh(sso_fake: SsoFake) -> None:
    oidc, _portal = _clients()
    sso_fake.state.device_script = ["pending", "slow_down"]
    client = oidc.register_client(clientName="stsui", clientType="public", scopes=["sso:account:access"])
    device = oidc.start_device_authorization(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        startUrl="https://x.awsapps.com/start",
    )
    assert device["interval"] == 5 and device["expiresIn"] == 600 and "-" in device["userCode"]
    assert client["clientSecretExpiresAt"] == int((NOON + timedelta(days=90)).timestamp())
    # Identity Center's own form today: the start URL's device page, with the code
    assert (
        device["verificationUriComplete"]
        == f"https://x.awsapps.com/start/#/device?user_code={device['userCode']}"
    )
    poll = {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "grantType": DEVICE_GRANT}
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        oidc.create_token(deviceCode=device["deviceCode"], **poll)
    with pytest.raises(oidc.exceptions.SlowDownException):
        oidc.create_token(deviceCode=device["deviceCode"], **poll)
    token = oidc.create_token(deviceCode=device["deviceCode"], **poll)
    assert token["accessToken"] and token["refreshToken"] and token["expiresIn"] == 28800

    renewed = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="refresh_token",
        refreshToken=token["refreshToken"],
    )
    assert renewed["accessToken"] != token["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):  # a refresh token is used once
        oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )


def test_expired_device_code(sso_fake: SsoFake) -> None:
    oidc, _portal = _clients()
    sso_fake.state.device_script = ["expired"]
    client = oidc.register_client(clientName="stsui", clientType="public")
    device = oidc.start_device_authorization(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        startUrl="https://x.awsapps.com/start",
    )
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=device["deviceCode"],
        )


def test_portal_pages_throttling_and_credentials(sso_fake: SsoFake) -> None:
    _oidc, portal = _clients()
    sso_fake.add_accounts(45)
    token = sso_fake.issue_token()
    pages = list(portal.get_paginator("list_accounts").paginate(accessToken=token))
    assert [len(p["accountList"]) for p in pages] == [20, 20, 5]
    account = pages[0]["accountList"][0]
    assert account["accountName"] == "acct-000"
    roles = portal.list_account_roles(accessToken=token, accountId=account["accountId"], maxResults=2)
    assert [r["roleName"] for r in roles["roleList"]] == ["Admin", "ReadOnly"] and roles["nextToken"]

    creds = portal.get_role_credentials(accessToken=token, accountId=account["accountId"], roleName="Admin")
    expiration = datetime.fromtimestamp(creds["roleCredentials"]["expiration"] / 1000, UTC)
    assert expiration == NOON + timedelta(hours=1)  # epoch milliseconds

    sso_fake.state.throttle_every = 1
    with pytest.raises(portal.exceptions.TooManyRequestsException):
        portal.list_accounts(accessToken=token)
    sso_fake.state.throttle_every = 0
    portal.logout(accessToken=token)
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)
    token = sso_fake.issue_token()
    sso_fake.expire_access_tokens()
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)
