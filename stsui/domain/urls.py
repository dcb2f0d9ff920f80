"""Whether a URL may be opened in the user's browser (stdlib only): https, on the hosts expected, nothing
hidden in it. The console's destinations and IAM Identity Center's sign-in page are checked here."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from stsui.domain.printable import printable

URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
"""What no URL stsui opens or writes may hold: spaces, control characters, backslashes."""


def https_url_problem(url: str, hosts: Sequence[str]) -> str | None:
    """Why `url` is not an https URL on one of `hosts` or a subdomain of one (port 443, no user name or
    password, no spaces, controls or backslashes), or None. The phrase completes "the URL …"."""
    if URL_UNSAFE.search(url):
        return "contains spaces, control characters or backslashes"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "cannot be read as a URL"
    if parts.scheme != "https":
        return "does not start with https://"
    if parts.username is not None or parts.password is not None:
        return "carries a user name or password"
    if port not in (None, 443):
        return f"names port {port}"
    host = (parts.hostname or "").rstrip(".")
    if not any(host == known or host.endswith("." + known) for known in hosts):
        shown = printable(host, 80) or "no host"
        their = "one of its subdomains" if len(hosts) == 1 else "their subdomains"
        return f"goes to {shown}, not to {', '.join(hosts)} or {their}"
    return None
