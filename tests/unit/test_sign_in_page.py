"""The sign-in page (`stsui.store.sign_in_page`): where it leads, what it is made of, where it is written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from stsui.domain.errors import UnsafeFileError
from stsui.store.sign_in_page import hand_over, redirect
from tests.support.fake_browser import page_destination

HOSTILE = (
    "https://signin.example/federation?Action=login&x=\"><script>alert(1)</script>&y='</script>&z=\u2028"
)


PLAIN = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=a%2Bb"


@pytest.mark.parametrize("link", [PLAIN, HOSTILE])
def test_the_page_leads_to_the_link_whatever_it_holds(link: str) -> None:
    text = redirect(link)
    assert page_destination(text) == link
    assert text.count("<script>") == 1 and text.count("</script>") == 1  # the link cannot end the script
    assert "alert(1)</script>" not in text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", " https://x"]
)
def test_the_page_leads_only_to_http_links(link: str) -> None:
    with pytest.raises(ValueError):
        redirect(link)


def test_the_page_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        page = hand_over("https://signin.example/federation", tmp_path / "run")
    finally:
        os.umask(old)
    assert page.url == page.path.as_uri() and page.path.name.startswith("sign-in-")
    assert stat.S_IMODE(page.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(page.path.parent.stat().st_mode) == 0o700
    assert page_destination(page.path.read_text()) == "https://signin.example/federation"
    page.remove()
    assert not page.path.exists()


def test_a_linked_runtime_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "run").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeFileError):
        hand_over("https://signin.example/federation", tmp_path / "run")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_two_pages_never_share_a_name(tmp_path: Path) -> None:
    first, second = (hand_over("https://signin.example/f", tmp_path) for _ in range(2))
    assert first.path != second.path and len(first.path.name) == len("sign-in-") + 32 + len(".html")
