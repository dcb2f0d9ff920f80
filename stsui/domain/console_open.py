"""`console_open`: how the console opens, in `[defaults]` or per role (stdlib only).

- `default`: the `webbrowser` module (`$BROWSER` honoured), as before;
- `firefox-container`: Firefox, with the `ext+container:` URL of the "Open external links in a container"
  add-on, so each role gets a container of its own name (and colour), and its own cookies;
- `chrome-profile`: Chromium or Chrome with a `--user-data-dir` of stsui's per role;
- a command template with `{url}` (and optionally `{role}`), split like a shell line but run without one.

Every mode hands over the private page of `stsui.store.sign_in_page`, never the login link: `{url}` is that
page's `file://` URL, and for a container the page leads to the `ext+container:` URL that wraps the link.
"""

from __future__ import annotations

import colorsys
import shlex
import string
import urllib.parse

DEFAULT = "default"
FIREFOX_CONTAINER = "firefox-container"
CHROME_PROFILE = "chrome-profile"
MODES = (DEFAULT, FIREFOX_CONTAINER, CHROME_PROFILE)
PLACEHOLDERS = ("url", "role")
CONTAINER_SCHEME = "ext+container:"
BASE_NAME = "base-identity"
"""The container or profile name of `stsui console --base`, which opens for no role."""
MAX_TEMPLATE_CHARS = 1024

FIREFOX_COLORS = {
    "blue": "#37adff",
    "turquoise": "#00c79a",
    "green": "#51cd00",
    "yellow": "#ffcb00",
    "orange": "#ff9f00",
    "red": "#ff613d",
    "pink": "#ff4bda",
    "purple": "#af51f5",
}
"""Firefox's container colours (what the add-on accepts), with the RGB Firefox draws them in."""
_NAMED = {"cyan": "turquoise", "magenta": "pink"}
"""stsui colour names that are not Firefox's, and the Firefox colour nearest each."""


def problem(value: str) -> str | None:
    """Why `value` cannot be a `console_open` (completing "console_open …"), or None."""
    if value in MODES:
        return None
    rule = (
        f"must be {', '.join(MODES)}, or a command with {{url}} (and optionally {{role}}), "
        "like 'firefox -P work {url}'"
    )
    if len(value) > MAX_TEMPLATE_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{rule}, on one line of at most {MAX_TEMPLATE_CHARS} characters"
    try:
        words = shlex.split(value)
        used = {
            name for word in words for _, name, _, _ in string.Formatter().parse(word) if name is not None
        }
    except ValueError:
        return f"{rule} (its quotes and braces must pair up)"
    if not words or "url" not in used or not used <= set(PLACEHOLDERS):
        return rule
    return None


def template_command(template: str, *, url: str, role: str) -> list[str]:
    """The command a template runs: split like a shell line, then `{url}` and `{role}` filled in each word
    (no shell ever sees them, so nothing in them is interpreted)."""
    return [word.format(url=url, role=role) for word in shlex.split(template)]


def firefox_color(color: str | None) -> str | None:
    """The Firefox container colour for a role's `color` (a colour name or `#rrggbb`): the same name where
    Firefox has it, else the nearest hue; None for grey, white, black or no colour (the add-on's default)."""
    if color is None:
        return None
    if color in FIREFOX_COLORS or color in _NAMED:
        return _NAMED.get(color, color)
    if not (len(color) == 7 and color.startswith("#")):
        return None
    hue, lightness, saturation = _hls(color)
    if saturation < 0.25 or not 0.12 < lightness < 0.92:
        return None
    return min(FIREFOX_COLORS, key=lambda name: _hue_distance(hue, _hls(FIREFOX_COLORS[name])[0]))


def _hls(rgb: str) -> tuple[float, float, float]:
    red, green, blue = (int(rgb[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)


def _hue_distance(a: float, b: float) -> float:
    return min(abs(a - b), 1 - abs(a - b))


def container_url(name: str, link: str, color: str | None) -> str:
    """The add-on's URL that opens `link` in the container `name` (created with `color` if it is new)."""
    fields = [("name", name), ("url", link)]
    chosen = firefox_color(color)
    if chosen is not None:
        fields.append(("color", chosen))
    return CONTAINER_SCHEME + urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)
