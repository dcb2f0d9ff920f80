"""Decide, as botocore would, which keys, region, endpoint and CA bundle an STS call uses — or that
boto3 must decide.

The direct client is used only where this module reproduces botocore's answer exactly, which
`tests/unit/test_resolver_equivalence.py` checks against botocore itself over a generated matrix of
environments and files:

- credentials stsui holds itself (an MFA session, a parent role's session): explicit keys;
- static keys of a profile (credentials file first, then config file) or of the environment, when the
  profile (both files merged, as botocore merges them) holds nothing but keys, `region`, `ca_bundle` and
  settings botocore does not read;
- an endpoint from `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, or the standard regional one of the
  `aws`, `aws-us-gov` and `aws-cn` partitions.

Anything else — role profiles (in either file), web identity, SSO, credential_process, proxies,
FIPS/dual-stack, `[services]` or profile endpoints, unusual or empty variables, a file botocore could
not parse — returns None: boto3 takes the call. A rule is added here only with a case in that test.
"""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from stsui.aws.endpoints import DEFAULT_REGION, explicit_endpoint, standard_endpoint
from stsui.aws.sigv4 import Keys, Target
from stsui.domain.paths import AWS_CONFIG_VARIABLE, CREDENTIALS_VARIABLE, aws_config_path, credentials_path
from stsui.store import ini

KEYS = frozenset({"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token"})
"""A profile's static keys."""
UNREAD = frozenset({"output", "aws_account_id", "s3", "region", "ca_bundle"})
"""Profile settings that change neither the caller nor the endpoint (`region` and `ca_bundle` are read
below); with the keys and `x_*` / `cli_*` names (other tools' settings), the only ones a profile may
hold for the direct path."""
CREDENTIAL_SOURCES = frozenset(
    {
        "role_arn", "source_profile", "credential_source", "role_session_name", "external_id",
        "mfa_serial", "duration_seconds", "web_identity_token_file", "sso_session", "sso_start_url",
        "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes", "credential_process",
        "login_session",
    }
)  # fmt: skip
"""Profile settings that only say where the profile's own credentials come from: irrelevant when stsui
calls with keys it holds."""
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
BOTO3_VARIABLES = (
    "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
)  # fmt: skip
"""Variables whose mere presence leaves the call to boto3."""
PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
"""botocore's order: AWS_DEFAULT_PROFILE first."""
ENV_TOKENS = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")
"""botocore's order in the environment: the first non-empty one."""
FILE_TOKENS = ("aws_security_token", "aws_session_token")
"""botocore's order in a file: the first present one (a stale aws_security_token wins)."""

Sections = dict[str, dict[str, object]]


@dataclass(frozen=True)
class Plan:
    """How to make one call directly: with these keys, to this target."""

    keys: Keys
    target: Target


def _read_ini(path: Path) -> Mapping[str, dict[str, object]] | None:
    """Sections of an INI file as botocore's `raw_config_parse` reads them (an indented block after
    `key =` is a sub-table); {} when missing, None when botocore would fail or read it differently."""
    if not path.is_file():
        return {} if not path.exists() else None
    if _utf8_locale():  # botocore decodes with the locale's encoding: then stsui's INI grammar reads it alike
        try:
            return _NestedSections(ini.parse_bytes(path.read_bytes()))
        except (OSError, ini.IniError):
            return None
    parser = configparser.RawConfigParser()
    try:
        with open(path) as file:  # the locale's encoding, as configparser.read (botocore) uses
            parser.read_file(file)
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None
    sections: Sections = {}
    for name in parser.sections():
        values: dict[str, object] = {}
        for option in parser.options(name):
            value = parser.get(name, option)
            values[option] = {"nested": value} if value.startswith("\n") else value
        sections[name] = values
    return sections


def _utf8_locale() -> bool:
    import locale

    return locale.getpreferredencoding(False).lower().replace("-", "") == "utf8"


class _NestedSections(Mapping[str, dict[str, object]]):
    """`_read_ini`'s answer from stsui's one INI parse (shared with the credentials file's writer, so a
    50,000-profile file is parsed once, without a dict per section): a section's values, with [DEFAULT]'s
    underneath, worked out when asked for; a value that starts with a line break is botocore's sub-table."""

    def __init__(self, doc: ini.Document) -> None:
        self._profiles = ini.Profiles(doc)

    def __getitem__(self, name: str) -> dict[str, object]:
        return {
            key: {"nested": value} if value.startswith("\n") else value
            for key, value in self._profiles[name].items()
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self._profiles)

    def __len__(self) -> int:
        return len(self._profiles)


def _profile_map(config: Mapping[str, dict[str, object]]) -> Sections:
    """botocore's `build_profile_map`: `[profile NAME]` (any quoting shlex reads) and `[default]`."""
    profiles: Sections = {}
    for section, values in config.items():
        if section.startswith("profile"):
            try:
                parts = shlex.split(section)
            except ValueError:
                continue
            if len(parts) == 2:
                profiles[parts[1]] = dict(values)
        elif section == "default":
            profiles[section] = dict(values)
    return profiles


class AwsFiles:
    """The config and shared credentials files, re-read only when they change on disk."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int, int, int], Mapping[str, dict[str, object]] | None]] = {}

    def sections(self, path: Path) -> Mapping[str, dict[str, object]] | None:
        try:
            info = path.stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
        except OSError:
            stamp = (0, 0, 0, 0)
        cached = self._cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, _read_ini(path))
            self._cache[path] = cached
        return cached[1]


def _present(name: str) -> str | None:
    """The variable's value when set (even empty, as botocore reads most), else None."""
    return os.environ.get(name)


def _file_keys(values: dict[str, object]) -> Keys | None:
    """botocore's shared-credentials/config provider on one section; None when it would fail or differ."""
    key, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    token = next((values[name] for name in FILE_TOKENS if name in values), None)
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        return None
    if token is not None and (not isinstance(token, str) or not token):
        return None
    return Keys(key, secret, token)


def _env_keys() -> Keys | None:
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key or not secret:
        return None
    token = next((os.environ[name] for name in ENV_TOKENS if os.environ.get(name)), None)
    return Keys(key, secret, token)


class Resolver:
    """Plans direct calls for a profile or for explicit keys; None where boto3 must take the call."""

    def __init__(self, files: AwsFiles | None = None) -> None:
        self.files = files or AwsFiles()

    def plan(self, profile: str | None, region: str | None, keys: Keys | None = None) -> Plan | None:
        """`profile` None means botocore's default chain (environment, then AWS_DEFAULT_PROFILE,
        AWS_PROFILE or default); with `keys`, `profile` is ignored (the call signs with them)."""
        if keys is not None:
            profile = None
        if any(os.environ.get(name) for name in PROXY_VARIABLES):
            return None
        if any(_present(name) is not None for name in BOTO3_VARIABLES):
            return None
        if _present("AWS_STS_REGIONAL_ENDPOINTS") not in (None, "regional"):
            return None
        merged = self._profile(profile)
        if merged is None:
            return None
        values, own = merged
        allowed = KEYS | UNREAD | (CREDENTIAL_SOURCES if keys is not None else frozenset())
        if any(key not in allowed and not key.startswith(("x_", "cli_")) for key in values):
            return None
        if any(not isinstance(values[key], str) for key in UNREAD & {"region", "ca_bundle"} & values.keys()):
            return None
        if keys is None:
            keys = self._keys(profile, own)
            if keys is None:
                return None
        region = region or self._region(values)
        endpoint = explicit_endpoint() or standard_endpoint(region)
        if endpoint is None:
            return None
        ca_bundle = self._ca_bundle(values)
        if ca_bundle == "":
            return None
        return Plan(keys, Target(endpoint, region, ca_bundle))

    def _profile(self, explicit: str | None) -> tuple[dict[str, object], Sections] | None:
        """(the profile's settings with the credentials file's merged over the config file's,
        its own sections {"config": …, "credentials": …}); None when botocore would fail or the files
        cannot be read alike."""
        name = explicit
        if name is None:
            for variable in PROFILE_VARIABLES:
                value = _present(variable)
                if value is not None:
                    name = value
                    break
        if name == "":
            return None
        for variable in (AWS_CONFIG_VARIABLE, CREDENTIALS_VARIABLE):
            if _present(variable) == "":
                return None
        config = self.files.sections(aws_config_path())
        credentials = self.files.sections(credentials_path())
        if config is None or credentials is None:
            return None
        profiles = _profile_map(config)
        if name is not None and name not in profiles and name not in credentials:
            return None  # botocore: ProfileNotFound, even for a named "default"
        name = name or "default"
        own = {"config": profiles.get(name, {}), "credentials": credentials.get(name, {})}
        return {**own["config"], **own["credentials"]}, own

    @staticmethod
    def _keys(explicit: str | None, own: Sections) -> Keys | None:
        """The keys botocore's provider chain ends on, when it ends on static keys: the environment's
        (unless a profile was named), the credentials file's, the config file's."""
        if explicit is None and os.environ.get("AWS_ACCESS_KEY_ID"):
            return _env_keys()
        for where in ("credentials", "config"):
            if "aws_access_key_id" in own[where]:
                return _file_keys(own[where])
        return None

    @staticmethod
    def _region(values: dict[str, object]) -> str:
        from_env = _present("AWS_DEFAULT_REGION")
        region = from_env if from_env is not None else values.get("region")
        return region if isinstance(region, str) and region else DEFAULT_REGION

    @staticmethod
    def _ca_bundle(values: dict[str, object]) -> str | None:
        """AWS_CA_BUNDLE, the profile's ca_bundle, REQUESTS_CA_BUNDLE: botocore's order; "" when one is
        set but empty (botocore would pass it on as is)."""
        for found in (_present("AWS_CA_BUNDLE"), values.get("ca_bundle"), _present("REQUESTS_CA_BUNDLE")):
            if found is not None:
                return str(found)
        return None
