"""The AWS console sign-in rules (stdlib only): partitions and their hosts, where the console opens, how long
its session lasts, and the two federation-endpoint URLs (the sign-in token request and the login link).

The login link is a bearer secret for 15 minutes: nothing here logs it or puts it in an error.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field

from stsui.domain.errors import UsageError
from stsui.domain.limits import CHAINED_MAX_DURATION
from stsui.domain.model import Credentials
from stsui.domain.printable import printable
from stsui.domain.urls import https_url_problem

CONSOLE_MIN_DURATION = 900
CONSOLE_MAX_DURATION = 43200
"""The federation endpoint's SessionDuration range (15 min to 12 h); the default is the model's
`DEFAULT_CONSOLE_DURATION`."""
CHAINED_CONSOLE_LIMIT = CHAINED_MAX_DURATION
"""A console signed in with a chained role's session ends with that session: at most 1 h."""

LOGIN_LINK_LIFETIME = 900
"""Seconds a login link signs anyone in (AWS: 15 minutes); after that it is worthless."""

ISSUER = "stsui"
"""The `Issuer` of the login link: what the console names when its session ends."""

ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
"""`stsui console --base` passes this to GetFederationToken unless `console_policy` says otherwise: the
federated session may then do whatever the IAM user itself may (the intersection of the two)."""


@dataclass(frozen=True)
class Partition:
    """An AWS partition's sign-in and console hosts."""

    name: str
    signin_host: str
    console_host: str
    default_region: str

    @property
    def federation_endpoint(self) -> str:
        return f"https://{self.signin_host}/federation"


PARTITIONS = {
    "aws": Partition("aws", "signin.aws.amazon.com", "console.aws.amazon.com", "us-east-1"),
    "aws-us-gov": Partition(
        "aws-us-gov", "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com", "us-gov-west-1"
    ),
    "aws-cn": Partition("aws-cn", "signin.amazonaws.cn", "console.amazonaws.cn", "cn-north-1"),
}


@dataclass(frozen=True)
class SigninRequest:
    """What the federation endpoint is asked: a sign-in token for `credentials` (sent with SessionDuration
    unless None), then the login link to `destination`. `who` names the role in errors."""

    credentials: Credentials = field(repr=False)
    partition: Partition
    destination: str
    session_duration: int | None
    who: str


_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}", re.ASCII)


def partition(name: str, who: str) -> Partition:
    """The partition called `name`; UsageError for one without a public console (the ISO partitions)."""
    found = PARTITIONS.get(name)
    if found is None:
        raise UsageError(
            f"{who} is in the {name} partition, which has no public AWS console sign-in stsui knows of; "
            f"stsui opens consoles in {', '.join(PARTITIONS)}."
        )
    return found


def destination_url(where: Partition, region: str, destination: str | None, who: str) -> str:
    """The console page to open: the region's console home, a service's home (`s3`, `ec2`), or a full
    console URL of `where`'s partition. UsageError (nothing sent) for anything else."""
    from stsui.domain.regions import partition_of  # botocore's data, read only when a console opens

    if partition_of(region) != where.name:
        raise UsageError(
            f"Region {printable(region, 40)} is not in the {where.name} partition of {who}; "
            f"pick a region of that partition (e.g. {where.default_region})."
        )
    query = urllib.parse.urlencode({"region": region})
    if destination is None:
        return f"https://{where.console_host}/console/home?{query}"
    if _SERVICE.fullmatch(destination):
        return f"https://{where.console_host}/{destination}/home?{query}"
    if "://" not in destination:
        raise UsageError(
            f"--destination {printable(destination, 80)} is neither a service name (like 's3' or 'ec2': "
            f"lowercase letters, digits and '-') nor a console URL (https://{where.console_host}/…)."
        )
    problem = https_url_problem(destination, (where.console_host,))
    if problem:
        raise UsageError(
            f"--destination {printable(destination, 80)} is not a console URL of {who}: it {problem}; "
            f"give https://{where.console_host}/… or a service name like 's3'."
        )
    return destination


def console_lasts(
    *, may_send: bool, wanted: int, seconds_left: float, chained: bool
) -> tuple[int | None, int]:
    """(the SessionDuration to send, or None to leave it out; how many seconds the console will last).

    SessionDuration is sent only when AWS accepts it (`may_send`: a session assumed directly with
    long-term keys) and the session has at least the minimum left; it is the role's `console_duration`
    capped by the session's time left. Otherwise the console lasts as long as the session (≤ 1 h chained).
    """
    left = max(0, int(seconds_left))
    if may_send and left >= CONSOLE_MIN_DURATION:
        send = min(wanted, left, CONSOLE_MAX_DURATION)
        return send, send
    return None, min(left, CHAINED_CONSOLE_LIMIT) if chained else left


def session_json(credentials: Credentials) -> str:
    """The `Session` parameter: the session's own keys, as the federation endpoint wants them."""
    return json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        },
        separators=(",", ":"),
    )


def token_request_url(endpoint: str, credentials: Credentials, session_duration: int | None) -> str:
    """`…/federation?Action=getSigninToken&Session=…[&SessionDuration=…]` (carries the session's keys)."""
    fields = {"Action": "getSigninToken", "Session": session_json(credentials)}
    if session_duration is not None:
        fields["SessionDuration"] = str(session_duration)
    return f"{endpoint}?{urllib.parse.urlencode(fields)}"


def login_url(endpoint: str, destination: str, signin_token: str) -> str:
    """`…/federation?Action=login&Issuer=…&Destination=…&SigninToken=…`: signs the browser in (15 min)."""
    fields = {"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": signin_token}
    return f"{endpoint}?{urllib.parse.urlencode(fields)}"
