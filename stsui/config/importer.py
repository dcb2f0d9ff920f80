"""Turn the role profiles of `~/.aws/config` into `[roles.NAME]` tables for the roles file.

A profile with `role_arn` becomes a role named after the profile (cut down to the role-name alphabet).
Mapped keys: role_arn, source_profile, mfa_serial, mfa_process (where aws-vault users keep it), external_id,
region, duration_seconds -> duration, role_session_name -> session_name. A `source_profile` that is itself
an imported (or already configured) role profile becomes `source_role`, so stsui chains through its own
session.

Profile naming rule: an imported role writes its sessions to the profile `<role name>-stsui`, never to the
name of the profile it came from. Botocore merges a credentials-file section into the config profile of
the same name, and its assume-role provider runs before the shared-credentials provider: keys stsui
wrote under `[prod]` would be ignored by every AWS tool while `[profile prod]` has `role_arn` (the SDK
would keep assuming the role itself, MFA prompts included). A distinct name keeps the user's profile
working exactly as before and makes stsui's session visible as `--profile prod-stsui`. The suffix is
numbered (`-stsui-2`, ...) if that name is taken by another profile of the file or by `existing_profiles`.

Each `[sso-session NAME]` becomes an `[sso.NAME]` instance (`import_sso`: start URL, region, scopes) under
the same name, so the AWS CLI's login for it is stsui's too; its SSO profiles are not roles to copy: stsui
finds the accounts and roles of the instance itself (`stsui sso login NAME`).

Nothing is silently dropped: every role profile that is not imported is listed with a reason, and each
imported value passes the same checks `load_config` applies, so the appended file always loads.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w

from stsui.config.load import parse_config
from stsui.config.schema import ROLE_CHECKS, SSO_CHECKS, Invalid
from stsui.domain.errors import ConfigError
from stsui.domain.limits import CHAINED_MAX_DURATION
from stsui.domain.rules import NAME as ROLE_NAME
from stsui.domain.rules import NAME_RULE as ROLE_NAME_RULE
from stsui.domain.rules import config_profile_name

PROFILE_SUFFIX = "-stsui"

# ~/.aws/config key -> roles-file key, in the order the role table lists them.
_KEY_MAP = (
    ("role_arn", "role_arn"),
    ("source_profile", "source_profile"),
    ("mfa_serial", "mfa_serial"),
    ("mfa_process", "mfa_process"),
    ("external_id", "external_id"),
    ("duration_seconds", "duration"),
    ("role_session_name", "session_name"),
    ("region", "region"),
)
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.@+=,-]", re.ASCII)
_LEADING = re.compile(r"^[^A-Za-z0-9]+", re.ASCII)


SSO_SESSION = "sso-session "
"""The prefix of an `[sso-session NAME]` section: an IAM Identity Center instance for its SSO profiles."""


def _sections(text: str) -> dict[str, dict[str, str]]:
    """Every section of an AWS config file with its values, as botocore's parser reads them."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source="the AWS config file")
    except configparser.Error as exc:
        first = str(exc).splitlines()[0].rstrip(".:")
        raise ConfigError(f"Cannot parse the AWS config file: {first}.") from None
    return {
        section: {option: parser.get(section, option).strip() for option in parser.options(section)}
        for section in parser.sections()
    }


def _profiles(text: str) -> dict[str, dict[str, str]]:
    """Profiles of an AWS config file, named and merged the way botocore does."""
    profiles: dict[str, dict[str, str]] = {}
    for section, values in _sections(text).items():
        name = config_profile_name(section)
        if name is not None:
            profiles[name] = values
    return profiles


def import_sso(
    aws_config_text: str, existing: Collection[str] = (), existing_urls: Collection[str] = ()
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """`[sso.NAME]` tables for the `[sso-session NAME]` sections (start URL, region, scopes), under the
    same name, so a login made with `aws sso login --sso-session NAME` is stsui's too (one token cache).

    Returns (new instances `{name: table}`, `"sso-session NAME: reason"` for each one left out). Names in
    `existing` and start URLs in `existing_urls` are the roles file's `[sso.NAME]` tables already."""
    instances: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    taken = {name.lower() for name in existing}
    for section, values in _sections(aws_config_text).items():
        if not section.startswith(SSO_SESSION):
            continue
        name = section[len(SSO_SESSION) :].strip()
        where = f"sso-session {name}"
        if ROLE_NAME.fullmatch(name) is None:
            skipped.append(f"{where}: its name must be {ROLE_NAME_RULE} to be an [sso.NAME] table")
            continue
        if name.lower() in taken or values.get("sso_start_url") in existing_urls:
            skipped.append(f"{where}: the roles file has this IAM Identity Center instance already")
            continue
        table: dict[str, Any] = {}
        scopes = [scope.strip() for scope in values.get("sso_registration_scopes", "").split(",")]
        wanted = (
            ("sso_start_url", "start_url", values.get("sso_start_url")),
            ("sso_region", "region", values.get("sso_region")),
            ("sso_registration_scopes", "scopes", [scope for scope in scopes if scope] or None),
        )
        reason = ""
        for aws_key, key, value in wanted:
            if value is None:
                if key != "scopes":
                    reason = f"it has no {aws_key}"
                continue
            try:
                SSO_CHECKS[key](value)
            except Invalid as exc:
                reason = f"{aws_key} {exc.text}"
                break
            table[key] = value
        if reason:
            skipped.append(f"{where}: {reason}")
            continue
        taken.add(name.lower())
        instances[name] = table
    return instances, skipped


def role_name_for(profile: str) -> str:
    """`profile` in the role-name alphabet: other characters become '-', leading junk is dropped, <= 64."""
    return _LEADING.sub("", _NOT_NAME.sub("-", profile))[:64]


def import_roles(
    aws_config_text: str, existing: set[str], *, existing_profiles: Collection[str] = ()
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Roles from the role profiles of `aws_config_text`, skipping names in `existing`.

    Returns (new roles as `{name: table}` ready for `render_roles`, `"profile: reason"` for each role
    profile left out). `existing_profiles` are credentials-file profiles already used by the roles file.
    """
    profiles = _profiles(aws_config_text)
    existing_folded = {name.lower() for name in existing}
    skipped: list[str] = []
    candidates: dict[str, tuple[str, dict[str, Any]]] = {}  # profile -> (role name, table)
    role_of: dict[str, str] = {}  # profile -> role name, for imported and already-configured roles
    taken_names: set[str] = set(existing_folded)

    for profile, values in profiles.items():
        if "role_arn" not in values:
            if "sso_session" in values:
                session = values["sso_session"]
                skipped.append(
                    f"{profile}: an IAM Identity Center (SSO) profile of sso-session {session}; stsui finds "
                    f"its roles itself in [sso.{session}] after 'stsui sso login {session}'"
                )
            elif "sso_role_name" in values or "sso_start_url" in values:
                skipped.append(
                    f"{profile}: an IAM Identity Center (SSO) profile without an sso-session, not a role; "
                    "use it as a source_profile instead"
                )
            continue
        reason = _unsupported(profile, values)
        name = role_name_for(profile)
        if not reason and not name:
            reason = "its name has no letters or digits to make a role name from"
        if not reason and name.lower() in existing_folded:
            role_of[profile] = next((n for n in existing if n.lower() == name.lower()), name)
            reason = f"a role named '{name}' is already in the roles file"
        if not reason and name.lower() in taken_names:
            reason = f"its role name '{name}' is already used by another imported profile"
        table: dict[str, Any] = {}
        if not reason:
            table, reason = _table(values, profiles)
        if reason:
            skipped.append(f"{profile}: {reason}")
            continue
        taken_names.add(name.lower())
        candidates[profile] = (name, table)
        role_of[profile] = name

    loops = _loops(candidates)
    for profile, loop in loops.items():
        skipped.append(f"{profile}: its source_profile chain loops ({loop})")
        role_of.pop(profile, None)

    used_profiles = set(profiles) | set(existing_profiles)
    roles: dict[str, dict[str, Any]] = {}
    for profile, (name, table) in candidates.items():
        if profile in loops:
            continue
        target = name + PROFILE_SUFFIX
        number = 1
        while target in used_profiles:
            number += 1
            target = f"{name}{PROFILE_SUFFIX}-{number}"
        used_profiles.add(target)
        source = table.pop("source_profile", None)
        ordered: dict[str, Any] = {"role_arn": table.pop("role_arn"), "profile": target}
        if source is not None and source in role_of and "role_arn" in profiles.get(source, {}):
            ordered["source_role"] = role_of[source]
        elif source is not None:
            ordered["source_profile"] = source
        roles[name] = {**ordered, **table}
    return roles, skipped


def _unsupported(profile: str, values: dict[str, str]) -> str:
    """Why stsui cannot assume this role profile itself, or ''."""
    if "web_identity_token_file" in values:
        return "web identity (web_identity_token_file) is not supported"
    source = values.get("source_profile")
    if "credential_source" in values and not source:
        return f"credential_source = {values['credential_source']} is not supported; use source_profile"
    if not source:
        return "it has no source_profile"
    if source == profile:
        return "its source_profile is itself (keys and role in one profile) which stsui cannot express"
    return ""


def _table(values: dict[str, str], profiles: dict[str, dict[str, str]]) -> tuple[dict[str, Any], str]:
    """The role table for one profile, every value checked as `load_config` would, or ({}, reason)."""
    table: dict[str, Any] = {}
    for aws_key, key in _KEY_MAP:
        raw = values.get(aws_key)
        if raw is None or raw == "":
            continue
        value: Any = raw
        if key == "duration":
            if not raw.isascii() or not raw.isdigit():
                return {}, f"duration_seconds {raw!r} is not a whole number of seconds"
            value = int(raw)
        try:
            ROLE_CHECKS[key](value)
        except Invalid as exc:
            return {}, f"{aws_key} {exc.text}"
        table[key] = value
    source = table.get("source_profile")
    chained = source is not None and "role_arn" in profiles.get(source, {})
    if chained and table.get("duration", 0) > CHAINED_MAX_DURATION:
        return {}, (
            f"duration_seconds {table['duration']} exceeds the 1-hour ({CHAINED_MAX_DURATION} s) limit of "
            "role chaining"
        )
    return table, ""


def _loops(candidates: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Candidates whose source_profile chain through other candidates loops: profile -> 'a -> b -> a'."""
    loops: dict[str, str] = {}
    settled: set[str] = set()
    for start in candidates:
        trail: list[str] = []
        name: str | None = start
        while name is not None and name in candidates and name not in settled:
            if name in trail:
                loop = [*trail[trail.index(name) :], name]
                text = " -> ".join(loop)
                for member in loop[:-1]:
                    loops[member] = text
                break
            trail.append(name)
            name = candidates[name][1].get("source_profile")
        settled.update(trail)
    return loops


def render_roles(roles: dict[str, dict[str, Any]], sso: dict[str, dict[str, Any]] | None = None) -> str:
    """`[sso.NAME]` then `[roles.NAME]` TOML text for `sso` and `roles` ('' when there are none)."""
    tables = {key: value for key, value in (("sso", sso), ("roles", roles)) if value}
    return tomli_w.dumps(tables) if tables else ""


def create_roles_file(
    path: Path, text: str, *, source: str = "~/.aws/config", today: date | None = None
) -> None:
    """A new roles file at `path` with the rendered `text` alone (checked as `load_config` would first);
    an existing file is never overwritten (`stsui.config.starter.write_new`)."""
    from stsui.config.starter import write_new

    stamp = (today or date.today()).isoformat()
    content = f"# stsui roles file: imported from {source} on {stamp}\n\n{text}"
    parse_config(content, path)
    write_new(path, content)


def append_roles(path: Path, text: str, *, source: str = "~/.aws/config", today: date | None = None) -> None:
    """Append rendered roles to the roles file at `path` without rewriting what is there.

    The combined text is checked with the same rules as `load_config` first; nothing is written when it
    would not load. A missing file is created; empty `text` writes nothing.
    """
    if not text.strip():
        return
    try:
        current = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        current = ""
    except (OSError, UnicodeDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"Cannot read the roles file {path}: {detail}.") from None
    stamp = (today or date.today()).isoformat()
    # a blank line before the comment; an extra newline first if the file lacks its final one
    separator = ("\n" if current.endswith("\n") else "\n\n") if current else ""
    addition = f"{separator}# imported from {source} on {stamp}\n{text}"
    if not text.endswith("\n"):
        addition += "\n"
    parse_config(current + addition, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(addition)
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        raise ConfigError(f"Cannot append to the roles file {path}: {exc.strerror or exc}.") from None
