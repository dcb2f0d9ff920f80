"""Integration rig: the real `stsui` program against moto over HTTP, checked by real consumers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.home import Home


@pytest.fixture
def botocore_session(home: Home, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """A real botocore session that reads the files the program wrote (the consumer users have)."""
    import botocore.session

    for key, value in home.env.items():
        if key.startswith(("AWS_", "HOME", "XDG_")):
            monkeypatch.setenv(key, value)

    def make(profile: str | None = None) -> object:
        return botocore.session.Session(profile=profile)

    return make
