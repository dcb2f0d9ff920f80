"""Credentials out of an STS answer, checked the same way on the direct path and through boto3."""

from __future__ import annotations

from datetime import datetime

from stsui.aws.messages import expired_answer
from stsui.domain.model import Credentials, Identity
from stsui.domain.printable import printable
from stsui.domain.times import as_utc, parse_rfc3339, utc_now

ARN_LIMIT = 2048
"""STS's own bound on an ARN; anything longer is cut (and shown so)."""


def checked_credentials(
    action: str, key: str, secret: str, token: str, expiration: datetime | str, now: datetime | None = None
) -> Credentials:
    """Credentials that are still valid `now` (default: the wall clock); StsError (nothing is written) when
    STS's Expiration is in the past or is no readable time (`stsui.domain.times`: a year 9999 with an
    offset overflows)."""
    if isinstance(expiration, str):
        moment = parse_rfc3339(expiration)
    else:
        moment = None if expiration.tzinfo is None else as_utc(expiration)
    if moment is None:
        raise expired_answer(action, str(expiration))
    if moment <= (now or utc_now()):
        raise expired_answer(action, moment.isoformat())
    return Credentials(access_key_id=key, secret_access_key=secret, session_token=token, expiration=moment)


def checked_arn(arn: str) -> str:
    """An ARN from STS as text safe for a terminal, the TUI and the credentials file: controls, bidi and
    zero-width characters escaped, one line."""
    return printable(arn, ARN_LIMIT)


def checked_identity(account: str, arn: str, user_id: str) -> Identity:
    """GetCallerIdentity's answer with every field made printable."""
    return Identity(account=printable(account, 64), arn=checked_arn(arn), user_id=printable(user_id, 256))
