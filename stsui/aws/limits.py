"""How long and how much: the bounds every STS call obeys, on the direct path and through boto3 alike."""

from __future__ import annotations

CONNECT_TIMEOUT = 3
"""Seconds to connect."""
READ_TIMEOUT = 5
"""Seconds any one read may wait for a byte."""
MAX_ATTEMPTS = 3
"""Attempts in all, the first included (botocore's standard retry mode)."""
ATTEMPT_DEADLINE = 10
"""Seconds one attempt may take in all, however slowly an endpoint drips its answer."""
CALL_DEADLINE = 35
"""Seconds one call may take in all, retries and backoff included: a hung or dripping endpoint fails
by then."""
MAX_ANSWER_BYTES = 1 << 20
"""The most stsui reads of one answer (an STS answer is a few KB)."""
