"""Helper threads leave Ctrl-C (and the stopping signals) to the main thread, where Python handles them."""

from __future__ import annotations

import signal
import sys
import threading

import pytest

from stsui.aws.bounded import within_deadline
from stsui.domain.threads import STOPPING, start_helper

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal masks")


def held() -> set[int]:
    return {int(number) for number in signal.pthread_sigmask(signal.SIG_BLOCK, [])}


def test_a_helper_thread_holds_the_stopping_signals_and_its_starter_does_not() -> None:
    before = held()
    seen: list[set[int]] = []
    thread = threading.Thread(target=lambda: seen.append(held()))
    start_helper(thread)
    thread.join()
    assert {int(number) for number in STOPPING} <= seen[0]
    assert held() == before


def test_a_call_under_a_deadline_runs_in_a_thread_that_cannot_take_ctrl_c() -> None:
    """Else the main thread, waiting for it, would notice a Ctrl-C only when the call ended (16 s hung)."""
    assert int(signal.SIGINT) in within_deadline(held, 5)
