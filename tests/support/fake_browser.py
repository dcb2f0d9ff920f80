"""A browser for tests that records what every local user could see of it, and the page a console sign-in
hands it; and a reader of that page that finds where it leads, as a browser would."""

from __future__ import annotations

import html
import json
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = """\
#!{python}
import json, os, sys, urllib.parse
url = sys.argv[-1]
page = None
if url.startswith("file://"):
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    info, folder = os.lstat(path), os.lstat(os.path.dirname(path))
    with open(path) as file:
        page = {{"path": path, "text": file.read(), "mode": info.st_mode, "uid": info.st_uid,
                "folder_mode": folder.st_mode, "folder_uid": folder.st_uid}}
with open("/proc/self/cmdline", "rb") as file:
    cmdline = file.read().decode("utf-8", "replace")
record = {{"argv": sys.argv, "cmdline": cmdline, "environ": dict(os.environ), "page": page}}
with open({out!r} + ".part", "w") as file:
    json.dump(record, file)
os.replace({out!r} + ".part", {out!r})
"""


@dataclass(frozen=True)
class Opened:
    """What the fake browser was started with and read."""

    argv: list[str]
    cmdline: str
    """Its `/proc/PID/cmdline`, which every local user can read."""
    environ: dict[str, str]
    page: dict[str, object] | None

    @property
    def public(self) -> str:
        """Everything about the browser process another local user can read (argv, and the environment
        for a user with ptrace rights: the same user, or root)."""
        return "\n".join([*self.argv, self.cmdline, *self.environ.values()])


class FakeBrowser:
    """`BROWSER=str(browser.path)`; `opened()` once it ran."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "browser"
        self.record = directory / "opened.json"
        self.path.write_text(_SCRIPT.format(python=sys.executable, out=str(self.record)))
        self.path.chmod(0o755)

    def ran(self) -> bool:
        return self.record.exists()

    def opened(self) -> Opened:
        data = json.loads(self.record.read_text())
        return Opened(data["argv"], data["cmdline"], data["environ"], data["page"])


NO_REFERRER = '<meta name="referrer" content="no-referrer">'


def page_destination(text: str) -> str:
    """Where a sign-in page sends the browser: its meta refresh and its `location.replace` must agree, and
    it must send no referrer."""
    assert NO_REFERRER in text
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]*)">', text)
    script = re.search(r"<script>window\.location\.replace\((\"[^<]*\")\);</script>", text)
    assert refresh is not None and script is not None, text
    link = html.unescape(refresh.group(1))
    assert json.loads(script.group(1)) == link
    return link


def page_url_destination(url: str) -> str:
    """Where the sign-in page at the `file://` `url` sends the browser (read as a browser reads it)."""
    assert url.startswith("file://"), url
    return page_destination(Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).read_text())
