"""STS's limits and stsui's defaults for sessions: each defined once, used by the roles file, the
command line, the engine and the screens (stdlib only, cheap to import)."""

from __future__ import annotations

import re

MIN_DURATION = 900
"""STS's shortest session (AssumeRole and GetSessionToken): 15 minutes."""
MAX_DURATION = 43200
"""AssumeRole's longest session: 12 hours (the role's own maximum may be lower)."""
CHAINED_MAX_DURATION = 3600
"""STS caps a session assumed with another role's credentials (role chaining) at one hour."""
MAX_MFA_SESSION_DURATION = 129600
"""GetSessionToken's longest session for an IAM user: 36 hours."""
DEFAULT_DURATION = 3600
"""A role's session when the roles file sets no duration."""
DEFAULT_MFA_SESSION_DURATION = 43200
"""An MFA session (GetSessionToken) when the roles file sets no mfa_session_duration."""

BOTOCORE_ADVISORY_REFRESH = 900
"""botocore re-runs a credential_process (or asks a container endpoint again) on every credential read
once a session has less than this left: its 15-minute advisory refresh window."""
DEFAULT_REFRESH_BEFORE = BOTOCORE_ADVISORY_REFRESH
"""`refresh_before` for sessions of an hour or more: renew as botocore's window opens."""


def default_refresh_before(duration: int) -> int:
    """The `refresh_before` a role gets when the roles file sets none: 15 minutes, or a quarter of a
    shorter session (`duration = 900` renews with 3m45s left), so the default is always shorter than
    the session it applies to."""
    return min(DEFAULT_REFRESH_BEFORE, duration // 4)


def botocore_refetch_window(refresh_before: int, duration: int) -> int:
    """Seconds of each session during which botocore, inside its advisory window, re-runs
    `stsui credential-process` on every call (stsui hands back the same session until `refresh_before`);
    0 when stsui renews before botocore's window opens."""
    return max(0, min(duration, BOTOCORE_ADVISORY_REFRESH) - refresh_before)


MFA_CODE = re.compile(r"[0-9]{6}")
"""An MFA code (TokenCode): exactly six ASCII digits."""
MFA_CODE_RULE = "exactly 6 digits"

MAX_PORT = 65535
"""TCP's largest port number (a `--port`, the credentials server's); 0 asks the system for a free one."""
PORT_RULE = f"a TCP port number, 0 to {MAX_PORT}"
PORTAL_RATE = 15.0
"""Requests per second to the Identity Center portal by default (it throttles at about 20)."""

DEFAULT_CONSOLE_DURATION = 43200
"""How long a console session lasts when the role does not say (`console_duration`): 12 h."""

IMDS_TOKEN_TTL = range(1, 21601)
"""The seconds an instance-metadata token may be asked to last (`X-aws-ec2-metadata-token-ttl-seconds`), as
on EC2: 1 to 21,600 (6 h)."""
IMDS_LEAST_LEFT = 20 * 60
"""What a session served as instance metadata (`stsui imds`) has left at least. botocore's instance-metadata
provider takes credentials with less than 10 minutes plus 2 to 10 minutes of jitter left for a metadata
service in trouble, and pushes their expiry out instead of using them as they are; the SDKs renew at 15."""
