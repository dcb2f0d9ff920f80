"""`building()` pauses the cyclic collector for a build and leaves it as it found it, whatever happens."""

from __future__ import annotations

import gc

import pytest

from stsui.domain.collector import building


def test_the_collector_is_paused_and_enabled_again_even_after_an_error() -> None:
    assert gc.isenabled()
    with building():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), building():
        raise ValueError("a build that failed")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    try:
        with building():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
