"""Bounds for calls made through botocore: a deadline for the whole call and a cap on what is read.

botocore's timeouts apply to each socket read, so an endpoint that drips one byte every few seconds never
trips them, and it reads a whole answer into memory however large. The direct client bounds both itself
(`stsui.aws.direct`); these give calls through boto3 the same bounds from `stsui.aws.limits`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from stsui.aws.limits import CALL_DEADLINE, MAX_ANSWER_BYTES
from stsui.domain.threads import start_helper

T = TypeVar("T")


class AnswerTooLarge(Exception):
    """The endpoint sent more than `MAX_ANSWER_BYTES`; nothing more was read."""


class DeadlinePassed(Exception):
    """The call did not finish within `CALL_DEADLINE` seconds."""


def cap_answers(client: Any) -> Any:
    """Make `client` read at most `MAX_ANSWER_BYTES` of each answer (botocore's `before-send` hook sends the
    request itself and hands botocore the capped body)."""
    http = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if http is None:  # a botocore without this attribute: keep its own reading
        return client

    def send(request: Any, **_: Any) -> Any:
        request.stream_output = True  # botocore must not read the body before the cap applies
        response = http.send(request)
        body = response.raw.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            response.raw.close()
            raise AnswerTooLarge
        response._content = body
        return response

    client.meta.events.register_first("before-send", send)
    return client


def within_deadline(call: Callable[[], T], seconds: float | None = None) -> T:
    """`call()`'s result, or DeadlinePassed after `seconds` (default `CALL_DEADLINE`). The call runs in a
    daemon thread, left to end by itself (its socket reads are bounded): a stalled endpoint never holds the
    caller."""
    results: list[T] = []
    errors: list[BaseException] = []  # the call appends to one of the two, once

    def run() -> None:
        try:
            results.append(call())
        except BaseException as error:  # handed to the caller's thread below
            errors.append(error)

    worker = threading.Thread(target=run, name="stsui-sts-call", daemon=True)
    start_helper(worker)
    worker.join(CALL_DEADLINE if seconds is None else seconds)
    if results:
        return results[0]
    if errors:
        raise errors[0]
    raise DeadlinePassed
