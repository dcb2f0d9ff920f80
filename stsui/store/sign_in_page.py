"""A login link handed to a browser without putting it on any command line.

`/proc/PID/cmdline` is readable by every local user, so a browser started with the console's login link in
its argv shows the SigninToken to all of them, and any of them could sign in as the role. `hand_over(link)`
writes a page that sends the browser on to the link and returns the page's `file://` URL, which is safe on a
command line: its random name tells nothing, and only the user (as whom the browser runs) can read the page.
Every way of opening the console that starts a program (the browser through `webbrowser`, and later a Firefox
container's `ext+container:` URL, a Chromium profile per role, a command of the user's with `{url}`) passes
the page's URL; a mode that wraps the link in another URL makes that URL the page's destination.

The page is a 0600 file written atomically with a random name (`sign-in-<hex>.html`) in stsui's private 0700
runtime directory (`$XDG_RUNTIME_DIR/stsui`, else the cache directory), never through a link. It sends no
referrer, and replaces itself in the browser's history (a meta refresh, and `location.replace` where scripts
run), so Back or a reload never comes back to it. It is worth something only while its link signs in, 15
minutes: every hand-over (`stsui console`, the TUI's `o`) and the TUI's exit remove pages older than that.
`stsui console` exits at once, before the browser has read its page, so its page stays until the next
console open after those 15 minutes, or the logout that clears `$XDG_RUNTIME_DIR`.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from stsui.domain.console import LOGIN_LINK_LIFETIME
from stsui.domain.errors import StsuiError
from stsui.domain.paths import runtime_dir
from stsui.store.atomic import private_dir, write_private

PREFIX = "sign-in-"
SUFFIX = ".html"
SCHEMES = ("https://", "http://", "ext+container:")
"""What a page may send the browser on to (http: only for a local endpoint in tests and proxies;
`ext+container:`, the Firefox add-on's URL wrapping a login link: `console_open = "firefox-container"`)."""


@dataclass(frozen=True)
class SignInPage:
    """A page that sends the browser on to a login link; `url` is safe on a command line."""

    path: Path

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def redirect(link: str) -> str:
    """The page's HTML: no referrer, a meta refresh, `location.replace`, and a link to click when neither
    runs. `link` appears only escaped for where it stands (an attribute, a script string)."""
    if not link.startswith(SCHEMES):
        raise ValueError("a sign-in page leads only to an http(s) link or a Firefox container's")
    attribute = html.escape(link, quote=True)
    script = json.dumps(link).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f'<meta http-equiv="refresh" content="0;url={attribute}">\n'
        "<title>AWS console</title>\n"
        f"<script>window.location.replace({script});</script>\n"
        f'</head><body><p><a href="{attribute}" rel="noreferrer">Sign in to the AWS console</a></p>'
        "</body></html>\n"
    )


def remove_expired(directory: Path | None = None) -> None:
    """Remove the pages in `directory` (stsui's runtime directory) whose link has expired, by their age."""
    directory = runtime_dir() if directory is None else directory
    oldest = time.time() - LOGIN_LINK_LIFETIME
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if not (entry.name.startswith(PREFIX) and entry.name.endswith(SUFFIX)):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mtime < oldest:
                    os.unlink(entry.path)


def hand_over(link: str, directory: Path | None = None) -> SignInPage:
    """Write a new page leading to `link` (a secret) and return it; pages whose link expired go first.
    StsuiError, naming the directory, when the page cannot be written there."""
    directory = runtime_dir() if directory is None else directory
    page = SignInPage(directory / f"{PREFIX}{os.urandom(16).hex()}{SUFFIX}")
    try:
        private_dir(directory)
        remove_expired(directory)
        write_private(page.path, redirect(link).encode())
    except OSError as error:
        raise StsuiError(
            f"Cannot write the console's sign-in page in {directory}: {error.strerror or error}; "
            "run 'stsui console NAME --print' and open the link yourself."
        ) from None
    return page
