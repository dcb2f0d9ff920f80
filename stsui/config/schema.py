"""Checks for single values of the roles file, against STS's own limits.

Each check takes the raw TOML value and returns the value a `Role` field holds (seconds for durations,
tuples for arrays) or raises `Invalid` whose text completes the sentence "<key> ...".
Patterns are compiled once: loading 10,000 roles must stay cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from stsui.domain.colors import COLOR_RULE, COLORS, color_value
from stsui.domain.console import CONSOLE_MAX_DURATION, CONSOLE_MIN_DURATION
from stsui.domain.durations import format_duration, parse_duration
from stsui.domain.limits import (
    MAX_DURATION,
    MAX_MFA_SESSION_DURATION,
    MIN_DURATION,
)
from stsui.domain.rules import NAME as ROLE_NAME
from stsui.domain.rules import NAME_RULE, profile_name_problem
from stsui.domain.sso import ACCOUNT_ID, ACCOUNT_ID_RULE, PERMISSION_SET_NAME, PERMISSION_SET_RULE
from stsui.domain.suggest import did_you_mean

MAX_TAGS = 50
MAX_POLICY_ARNS = 10
MAX_POLICY_CHARS = 2048

PARTITIONS = r"(?:aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)"
_ROLE_ARN = re.compile(rf"arn:{PARTITIONS}:iam::\d{{12}}:role/[\w+=,.@/-]+", re.ASCII)
_POLICY_ARN = re.compile(rf"arn:{PARTITIONS}:iam::(?:\d{{12}}|aws):policy/[\w+=,.@/-]+", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,256}", re.ASCII)
# STS allows [\p{L}\p{Z}\p{N}_.:/=+\-@]: letters/digits/_ via \w, separators via whitespace minus controls.
_TAG_TEXT = re.compile(r"(?:[\w.:/=+@-]|[^\S\x00-\x1f\x7f-\x9f])*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)


class Invalid(Exception):
    """A value breaks a rule; `text` completes the sentence "<key> ..." ("must be ...; got ...")."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def show(value: Any) -> str:
    """A short, quoted rendering of a value for an error message."""
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:56] + "…" + text[0]
    return _kind(value)


def refused(why: str, text: str) -> Invalid:
    """The one form of a refused value: "<key> `why`; got 'text'"."""
    return Invalid(f"{why}; got {show(text)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}" if abs(value) < 10**15 else "a huge integer"
    if isinstance(value, float):
        return f"the float {value}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


def _string(value: Any, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be {what}; got {_kind(value)}")
    return value


def _matching(pattern: re.Pattern[str], rule: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _string(value, rule)
        if pattern.fullmatch(text) is None:
            raise refused(f"must be {rule}", text)
        return text

    return check


def _text(value: Any) -> str:
    text = _string(value)
    if _CONTROL.search(text):
        raise refused("must not contain control characters or line breaks", text)
    return text


def _arn(pattern: re.Pattern[str], text: str, rule: str) -> str:
    """`text` if it matches `pattern` within STS's bounds for a role or policy ARN (20-2048 characters),
    else `Invalid` with `rule` ("must be …")."""
    if not 20 <= len(text) <= 2048 or pattern.fullmatch(text) is None:
        raise refused(f"{rule} (20-2048 characters)", text)
    return text


def check_role_arn(value: Any) -> str:
    text = _string(value, "an IAM role ARN string")
    return _arn(_ROLE_ARN, text, "must be an IAM role ARN like 'arn:aws:iam::123456789012:role/Name'")


def check_profile(value: Any) -> str:
    """A section name that cannot break ~/.aws/credentials (parsed by RawConfigParser)."""
    text = _string(value, "a profile name string")
    if problem := profile_name_problem(text):
        raise refused(f"must be a plain profile name (this one {problem})", text)
    return text


def _duration(low: int, high: int, rule: str | None = None) -> Callable[[Any], int]:
    """The check of a duration from `low` to `high` seconds; `rule` words the bounds another way."""
    span = rule or f"{low}-{high} seconds ({format_duration(low)}-{format_duration(high)})"
    rule = rule or f"{span}, written as seconds or like '15m' or '1h30m'"

    parsed: dict[str, int] = {}  # the same few strings ("1h", "12h") recur across thousands of roles

    def check(value: Any) -> int:
        if value.__class__ is str and value in parsed:
            return parsed[value]
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise Invalid(f"must be {rule}; got {_kind(value)}")
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise Invalid(f"must be {span}; {str(exc).rstrip('.')}") from None
        if not low <= seconds <= high:
            raise Invalid(f"must be {rule}; got {show(value) if isinstance(value, str) else seconds}")
        if isinstance(value, str) and len(parsed) < 256:
            parsed[value] = seconds
        return seconds

    return check


check_duration = _duration(MIN_DURATION, MAX_DURATION)
check_mfa_session_duration = _duration(MIN_DURATION, MAX_MFA_SESSION_DURATION)
check_console_duration = _duration(CONSOLE_MIN_DURATION, CONSOLE_MAX_DURATION)


check_refresh_before = _duration(
    1,
    MAX_DURATION - 1,
    f"more than zero and less than {MAX_DURATION} seconds ({format_duration(MAX_DURATION)}), written as "
    "seconds or like '15m'",
)
"""More than zero and less than 12 h (and, per role, less than the duration: `stsui.config.load`)."""


check_region = _matching(_REGION, "an AWS region name like 'us-east-1'")
check_session_name = _matching(_SESSION_NAME, "2-64 characters of letters, digits and _+=,.@-")
check_external_id = _matching(_EXTERNAL_ID, "2-1224 characters of letters, digits and _+=,.@:/-")
check_mfa_serial = _matching(
    _MFA_SERIAL, "an MFA device ARN or serial of 9-256 characters of letters, digits and _+=/:,.@-"
)


def check_source_identity(value: Any) -> str:
    text = _string(value)
    if text[:4].lower() == "aws:":
        raise refused("must not start with 'aws:' (reserved by AWS)", text)
    if _SOURCE_IDENTITY.fullmatch(text) is None:
        raise refused("must be 2-256 characters of letters, digits and _+=,.@-", text)
    return text


def check_source_role(value: Any) -> str:
    text = _string(value, "the name of another role")
    if ROLE_NAME.fullmatch(text) is None:
        raise refused("must be the name of another configured role", text)
    return text


def check_source_keys(value: Any) -> str:
    text = _string(value, "the name of a key in the OS keyring")
    if ROLE_NAME.fullmatch(text) is None:
        raise refused(f"must name a key added with 'stsui keys add NAME' ({NAME_RULE})", text)
    return text


MAX_COMMAND_CHARS = 1024


def check_mfa_process(value: Any) -> str:
    """A shell command line (run with /bin/sh -c) that prints a 6-digit MFA code."""
    text = _text(value)
    if not text.strip():
        raise Invalid(
            "must be a command that prints the MFA code, like 'ykman oath accounts code --single NAME'"
        )
    if len(text) > MAX_COMMAND_CHARS:
        raise Invalid(f"must be at most {MAX_COMMAND_CHARS} characters; got {len(text)}")
    return text


def check_color(value: Any) -> str:
    """A role's colour: a name of `COLORS` or `#rrggbb`, kept in lower case."""
    text = _string(value, COLOR_RULE)
    color = color_value(text)
    if color is None:
        hint = did_you_mean(text.lower(), COLORS)
        raise Invalid(f"must be {COLOR_RULE}; got {show(text)}{hint}")
    return color


def check_console_open(value: Any) -> str:
    """`default`, `firefox-container`, `chrome-profile`, or a command template with `{url}`."""
    from stsui.domain.console_open import problem

    text = _string(value, "a string")
    if found := problem(text):
        raise refused(found, text)
    return text


def check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false; got {_kind(value)}")
    return value


def check_tags(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(f'must be a table of string values like {{ team = "platform" }}; got {_kind(value)}')
    if len(value) > MAX_TAGS:
        raise Invalid(f"must have at most {MAX_TAGS} entries; got {len(value)}")
    seen: dict[str, str] = {}
    for key, tag in value.items():
        if not 1 <= len(key) <= 128 or _TAG_TEXT.fullmatch(key) is None:
            raise Invalid(f"keys must be 1-128 letters, digits, spaces or _.:/=+-@; got {show(key)}")
        if key[:4].lower() == "aws:":
            raise Invalid(f"keys must not start with 'aws:' (reserved by AWS); got {show(key)}")
        folded = key.lower()
        if folded in seen:
            raise Invalid(
                "keys must differ in more than case (STS ignores case); "
                f"got {show(seen[folded])} and {show(key)}"
            )
        seen[folded] = key
        if not isinstance(tag, str):
            raise Invalid(f"values must be strings; {show(key)} is {_kind(tag)}")
        if len(tag) > 256 or _TAG_TEXT.fullmatch(tag) is None:
            raise Invalid(
                f"values must be 0-256 letters, digits, spaces or _.:/=+-@; {show(key)} is {show(tag)}"
            )
    return dict(value)


def _string_list(value: Any, limit: int, what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f"must be an array of {what}; got {_kind(value)}")
    if len(value) > limit:
        raise Invalid(f"must have at most {limit} entries; got {len(value)}")
    for item in value:
        if not isinstance(item, str):
            raise Invalid(f"must be an array of {what}; got an entry that is {_kind(item)}")
    return tuple(value)


def check_transitive_tag_keys(value: Any) -> tuple[str, ...]:
    return _string_list(value, MAX_TAGS, "tag keys")


def check_policy_arns(value: Any) -> tuple[str, ...]:
    arns = _string_list(value, MAX_POLICY_ARNS, "managed policy ARNs")
    for arn in arns:
        _arn(
            _POLICY_ARN,
            arn,
            "entries must be managed policy ARNs like 'arn:aws:iam::aws:policy/ReadOnlyAccess'",
        )
    return arns


def check_policy(value: Any) -> str:
    text = _string(value, "a JSON policy document string")
    if len(text) > MAX_POLICY_CHARS:
        raise Invalid(f"must be at most {MAX_POLICY_CHARS} characters; got {len(text)}")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise refused("must be a JSON policy document", text) from None
    if not isinstance(document, dict):
        raise refused("must be a JSON object (a policy document)", text)
    return text


DEFAULT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "source_profile": check_profile,
    "source_keys": check_source_keys,
    "region": check_region,
    "duration": check_duration,
    "session_name": check_session_name,
    "refresh_before": check_refresh_before,
    "mfa_serial": check_mfa_serial,
    "mfa_session_duration": check_mfa_session_duration,
    "mfa_process": check_mfa_process,
    "auto_refresh": check_bool,
    "notify": check_bool,
    "console_duration": check_console_duration,
    "color": check_color,
    "confirm": check_bool,
    "console_open": check_console_open,
}

GROUP_CHECKS: dict[str, Callable[[Any], Any]] = {
    "color": check_color,
    "confirm": check_bool,
}
"""Keys of a `[groups.NAME]` table: they apply to every role whose `group` is NAME, unless it sets its own."""

BASE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "console_policy": check_policy,
}
"""Keys of [defaults] only: they are about the base identity, not about any role."""

ROLE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "role_arn": check_role_arn,
    "profile": check_profile,
    "description": _text,
    "group": _text,
    "source_role": check_source_role,
    **DEFAULT_CHECKS,
    "external_id": check_external_id,
    "source_identity": check_source_identity,
    "tags": check_tags,
    "transitive_tag_keys": check_transitive_tag_keys,
    "policy_arns": check_policy_arns,
    "policy": check_policy,
}


_START_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[\w.~%/#?&=+:@-]*)?", re.ASCII)
_SCOPE = re.compile(r"[\w.:/-]{1,256}", re.ASCII)


def check_start_url(value: Any) -> str:
    """The AWS access portal URL users open to sign in, like 'https://my-org.awsapps.com/start'."""
    text = _string(value, "an https:// URL string")
    if len(text) > 2048 or _START_URL.fullmatch(text) is None:
        raise refused(
            "must be the AWS access portal URL, like 'https://my-org.awsapps.com/start' "
            "(https, at most 2048 characters)",
            text,
        )
    return text


def check_scopes(value: Any) -> tuple[str, ...]:
    scopes = _string_list(value, 25, "OAuth scopes like 'sso:account:access'")
    for scope in scopes:
        if _SCOPE.fullmatch(scope) is None:
            raise Invalid(f"entries must be OAuth scopes like 'sso:account:access'; got {show(scope)}")
    return scopes


def check_profile_template(value: Any) -> str:
    """A `str.format` template over TEMPLATE_FIELDS that tells apart every (account, role) pair."""
    import string

    from stsui.domain.sso import TEMPLATE_FIELDS

    text = _text(value)
    rule = f"must use only the placeholders {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
    try:
        used = {name for _text_part, name, spec, conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise refused(f"{rule} (braces must pair up)", text) from None
    if not used <= set(TEMPLATE_FIELDS):
        raise refused(rule, text)
    if "role_name" not in used or not used & {"account_id", "account_name"}:
        raise refused(
            "must contain {role_name} and {account_id} or {account_name}, so that every role gets its own "
            "profile",
            text,
        )
    return text


check_account_id = _matching(ACCOUNT_ID, f"{ACCOUNT_ID_RULE} string")
check_sso_role_name = _matching(PERMISSION_SET_NAME, PERMISSION_SET_RULE)

SSO_ROLE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "source_sso": check_source_role,
    "account_id": check_account_id,
    "sso_role_name": check_sso_role_name,
}
"""Keys of a role whose session comes from IAM Identity Center (instead of role_arn)."""
SSO_ROLE_CONFLICTS = (
    "role_arn",
    "source_profile",
    "source_keys",
    "source_role",
    "duration",
    "mfa_serial",
    "mfa_process",
    "external_id",
    "source_identity",
    "tags",
    "transitive_tag_keys",
    "policy_arns",
    "policy",
)
"""Role keys that mean nothing for a session from GetRoleCredentials."""

SSO_CHECKS: dict[str, Callable[[Any], Any]] = {
    "start_url": check_start_url,
    "region": check_region,
    "scopes": check_scopes,
    "profile_template": check_profile_template,
}


def sanitise_session_name(text: str) -> str:
    """`text` in STS's RoleSessionName alphabet: other characters become '-', cut to 64."""
    return _SESSION_NAME_CHARS.sub("-", text)[:64]
