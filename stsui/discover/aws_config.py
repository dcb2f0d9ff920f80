"""What `~/.aws/config` says that discovery needs: role and SSO profiles, SSO sessions, and the file
names botocore gives the cache entries it writes for them."""

from __future__ import annotations

import codecs
import contextlib
import json
from dataclasses import dataclass, field
from hashlib import sha1
from pathlib import Path

from stsui.discover.reading import read_foreign
from stsui.domain.rules import config_profile_name
from stsui.store import ini

CONFIG_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class AwsConfig:
    """Profiles (name -> their keys) and `[sso-session NAME]` start URLs of the AWS config file."""

    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    sso_sessions: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why the file could not be read, when it could not

    def role_profiles(self) -> dict[str, dict[str, str]]:
        return {name: values for name, values in self.profiles.items() if values.get("role_arn")}

    def cache_names(self) -> dict[str, str]:
        """The cache file name (without `.json`) botocore uses for each role or SSO profile -> profile."""
        names: dict[str, str] = {}
        for profile, values in self.profiles.items():
            key = assume_role_cache_key(values) if values.get("role_arn") else sso_cache_key(values)
            if key is not None:
                names.setdefault(key, profile)
        return names


def read_aws_config(path: Path) -> AwsConfig:
    """The AWS config file through the one INI reader; an empty result with `problem` when unreadable."""
    from stsui.discover.reading import Unreadable

    try:
        raw = read_foreign(path, CONFIG_LIMIT)
        if raw is None:
            return AwsConfig()
        if raw.startswith(codecs.BOM_UTF8):
            raise Unreadable("it starts with a UTF-8 byte order mark")
        doc = ini.parse(raw.decode("utf-8"))
    except (Unreadable, ini.IniError) as error:
        return AwsConfig(problem=str(error))
    except UnicodeDecodeError:
        return AwsConfig(problem="not valid UTF-8")
    profiles: dict[str, dict[str, str]] = {}
    sessions: dict[str, str] = {}
    for section_name, section in doc.sections.items():
        name = config_profile_name(section_name)
        if name is not None:
            profiles[name] = section.values
        elif section_name.startswith("sso-session "):
            sessions[section_name.removeprefix("sso-session ").strip()] = section.get("sso_start_url") or ""
    return AwsConfig(profiles, sessions)


def _file_safe(digest: str) -> str:
    return digest.replace(":", "_").replace("/", "_")


def assume_role_cache_key(values: dict[str, str]) -> str | None:
    """The name botocore's AssumeRoleCredentialFetcher gives the cache entry of a role profile: the sha1
    of its AssumeRole arguments as sorted JSON (RoleSessionName only when the profile sets one)."""
    args: dict[str, object] = {"RoleArn": values["role_arn"]}
    for config_key, arg in (
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        if config_key in values:
            args[arg] = values[config_key]
    if "duration_seconds" in values:
        with contextlib.suppress(ValueError):  # botocore leaves out a duration that is not a number
            args["DurationSeconds"] = int(values["duration_seconds"])
    return _file_safe(sha1(json.dumps(args, sort_keys=True).encode()).hexdigest())


def sso_cache_key(values: dict[str, str]) -> str | None:
    """The name botocore's SSOCredentialFetcher gives the role credentials of an SSO profile."""
    if not values.get("sso_role_name") or not values.get("sso_account_id"):
        return None
    args = {"roleName": values["sso_role_name"], "accountId": values["sso_account_id"]}
    if values.get("sso_session"):
        args["sessionName"] = values["sso_session"]
    elif values.get("sso_start_url"):
        args["startUrl"] = values["sso_start_url"]
    else:
        return None
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return _file_safe(sha1(text.encode()).hexdigest())


def login_cache_key(name: str) -> str:
    """The SSO token cache file name for an sso-session name (or, for legacy profiles, a start URL)."""
    return sha1(name.encode()).hexdigest()
