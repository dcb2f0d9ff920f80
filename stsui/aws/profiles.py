"""Decide, as botocore would, which keys and endpoint an STS call uses — or that boto3 must decide.

The direct client is used only where this module can reproduce botocore's answer exactly: static keys
from the environment, the shared credentials file or the config file, and an endpoint from
`AWS_ENDPOINT_URL(_STS)` or the standard regional one. SSO, credential_process, role profiles, proxies,
FIPS/dual-stack, custom `[services]` endpoints and anything unparsable return None: boto3 handles those.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from stsui.aws.direct import Keys, Target
from stsui.aws.endpoints import explicit_endpoint

DEFAULT_REGION = "us-east-1"

# config keys whose presence means botocore resolves credentials some other way than static keys
NOT_STATIC = frozenset(
    {
        "role_arn", "web_identity_token_file", "sso_session", "sso_start_url", "sso_account_id",
        "credential_process", "credential_source", "login_session",
    }
)  # fmt: skip
# config keys that change the endpoint or transport in ways the direct client does not reproduce
NOT_PLAIN = frozenset(
    {
        "endpoint_url", "services", "use_fips_endpoint", "use_dualstack_endpoint", "sts_regional_endpoints",
        "ignore_configured_endpoint_urls", "proxy_ca_bundle", "proxy_client_cert",
    }
)  # fmt: skip
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
FLAG_VARIABLES = (
    "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)  # fmt: skip
STANDARD_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov)?-[a-z]+-\d")
CHINA_REGION = re.compile(r"cn-[a-z]+-\d")


@dataclass(frozen=True)
class Plan:
    """How to make one call directly: with these keys (None: the caller's own), to this target."""

    keys: Keys | None
    target: Target


def _read_ini(path: Path) -> dict[str, dict[str, str]] | None:
    """Sections of an INI file as botocore reads it; {} when missing, None when botocore would fail."""
    parser = configparser.RawConfigParser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return {name: dict(parser.items(name)) for name in parser.sections()}


class AwsFiles:
    """The config and shared credentials files, re-read only when they change on disk."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int, int], dict[str, dict[str, str]] | None]] = {}

    def _load(self, path: Path) -> dict[str, dict[str, str]] | None:
        try:
            info = path.stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            stamp = (0, 0, 0)
        cached = self._cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, _read_ini(path))
            self._cache[path] = cached
        return cached[1]

    def config_profile(self, name: str) -> dict[str, str] | None:
        """`[profile NAME]` (or `[default]`) of the config file; {} when absent; None when unreadable."""
        path = Path(os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))
        sections = self._load(path)
        if sections is None:
            return None
        found = sections.get(f"profile {name}")
        if found is None and name == "default":
            found = sections.get("default")
        return found or {}

    def credentials_profile(self, name: str) -> dict[str, str] | None:
        path = Path(os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"))
        sections = self._load(path)
        return None if sections is None else sections.get(name, {})


def _keys(values: dict[str, str]) -> Keys | None:
    key, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    if not key or not secret:
        return None
    # botocore takes the first of these that is present: a stale aws_security_token wins
    token = values.get("aws_security_token") or values.get("aws_session_token")
    return Keys(key, secret, token or None)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "false", "0")


class Resolver:
    """Plans direct calls for a profile or for explicit keys; None where boto3 must take the call."""

    def __init__(self, files: AwsFiles | None = None) -> None:
        self.files = files or AwsFiles()

    def plan(self, profile: str | None, region: str | None, keys: Keys | None = None) -> Plan | None:
        """`profile` None means botocore's default chain (environment, then AWS_PROFILE or default)."""
        if any(os.environ.get(name) for name in PROXY_VARIABLES):
            return None
        if any(_truthy(os.environ.get(name)) for name in FLAG_VARIABLES):
            return None
        if os.environ.get("AWS_STS_REGIONAL_ENDPOINTS", "regional").lower() != "regional":
            return None
        config_name = profile or os.environ.get("AWS_DEFAULT_PROFILE") or os.environ.get("AWS_PROFILE")
        config = self.files.config_profile(config_name or "default")
        if config is None or NOT_PLAIN & config.keys():
            return None
        if keys is None:
            keys = self._static_keys(profile, config_name or "default", config)
            if keys is None:
                return None
        region = region or os.environ.get("AWS_DEFAULT_REGION") or config.get("region") or DEFAULT_REGION
        endpoint = self._endpoint(region)
        if endpoint is None:
            return None
        ca_bundle = os.environ.get("AWS_CA_BUNDLE") or config.get("ca_bundle") or None
        return Plan(keys, Target(endpoint, region, ca_bundle))

    def _static_keys(self, profile: str | None, name: str, config: dict[str, str]) -> Keys | None:
        if profile is None:
            from_env = _keys(
                {
                    "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID", ""),
                    "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                    "aws_security_token": os.environ.get("AWS_SECURITY_TOKEN")
                    or os.environ.get("AWS_SESSION_TOKEN", ""),
                }
            )
            if from_env is not None or os.environ.get("AWS_ACCESS_KEY_ID"):
                return from_env
        if NOT_STATIC & config.keys():
            return None
        credentials = self.files.credentials_profile(name)
        if credentials is None:
            return None
        return _keys(credentials) or _keys(config)

    @staticmethod
    def _endpoint(region: str) -> str | None:
        explicit = explicit_endpoint()
        if explicit:
            return explicit
        if STANDARD_REGION.fullmatch(region):
            return f"https://sts.{region}.amazonaws.com"
        if CHINA_REGION.fullmatch(region):
            return f"https://sts.{region}.amazonaws.com.cn"
        return None
