"""The AWS CLI's token cache: botocore's file name and keys, other tools' keys kept, files checked."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stsui.domain.sso import SsoToken
from stsui.store.sso_cache import SsoTokenCache

MOMENT = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
TOKEN = SsoToken(
    "https://my-org.awsapps.com/start",
    "eu-west-1",
    "atoken-secret",
    MOMENT,
    "client-1",
    "csecret-secret",
    datetime(2027, 3, 1, tzinfo=UTC),
    "rtoken-secret",
)


def test_file_name_and_keys_are_botocores(tmp_path: Path) -> None:
    import botocore.utils

    cache = SsoTokenCache(tmp_path / "cache")
    cache.put("work", TOKEN)
    loader = botocore.utils.SSOTokenLoader(botocore.utils.JSONFileCache(str(tmp_path / "cache")))
    assert loader(TOKEN.start_url, session_name="work")["accessToken"] == "atoken-secret"
    path = tmp_path / "cache" / (hashlib.sha1(b"work").hexdigest() + ".json")
    assert json.loads(path.read_text()) == {
        "startUrl": "https://my-org.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "atoken-secret",
        "expiresAt": "2026-12-04T20:00:00Z",
        "clientId": "client-1",
        "clientSecret": "csecret-secret",
        "registrationExpiresAt": "2027-03-01T00:00:00Z",
        "refreshToken": "rtoken-secret",
    }
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(path.parent).st_mode & 0o777 == 0o700
    assert cache.get("work") == TOKEN and "secret" not in repr(cache.get("work"))


def test_keys_of_other_tools_are_kept(tmp_path: Path) -> None:
    cache = SsoTokenCache(tmp_path)
    cache.path("work").write_text(json.dumps({"accessToken": "old", "someToolKey": 1, "refreshToken": "r"}))
    cache.put("work", SsoToken(TOKEN.start_url, TOKEN.region, "new", MOMENT))
    data = json.loads(cache.path("work").read_text())
    assert data["someToolKey"] == 1 and data["accessToken"] == "new" and "refreshToken" not in data


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        "[]",
        json.dumps({"accessToken": "a", "expiresAt": "soon", "startUrl": "u", "region": "r"}),
    ],
)
def test_unusable_files_are_no_login(tmp_path: Path, content: str) -> None:
    cache = SsoTokenCache(tmp_path)
    cache.path("work").write_text(content)
    assert cache.get("work") is None


def test_a_planted_link_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text(json.dumps({"accessToken": "planted"}))
    cache = SsoTokenCache(tmp_path / "cache")
    cache.directory.mkdir(mode=0o700)
    cache.path("work").symlink_to(secret)
    assert cache.get("work") is None
    cache.put("work", TOKEN)
    assert json.loads(secret.read_text()) == {"accessToken": "planted"}  # the link was replaced, not followed
    assert not cache.path("work").is_symlink()
