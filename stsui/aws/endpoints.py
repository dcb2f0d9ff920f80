"""The endpoint and trust settings a user can give in the environment, checked before any call."""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import TYPE_CHECKING

from stsui.domain.errors import ConfigError, UsageError
from stsui.domain.printable import printable

if TYPE_CHECKING:
    import ssl

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL")
DEFAULT_REGION = "us-east-1"
"""The region of a call when neither the role, the roles file, the environment nor the profile names one."""
STANDARD_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov)?-[a-z]+-\d")
"""Regions of the `aws` and `aws-us-gov` partitions (botocore's partition patterns, narrowed)."""
CHINA_REGION = re.compile(r"cn-[a-z]+-\d")
"""Regions of the `aws-cn` partition, whose domain is amazonaws.com.cn."""


def checked_url(variable: str, value: str) -> str:
    """`value` of `variable` when it is a usable http(s) URL; UsageError naming the variable otherwise."""
    problem = None
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port  # ValueError for ':99999' or ':abc'
    except ValueError as error:
        problem = str(error)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with https:// or http://"
        elif not parts.hostname:
            problem = "it names no host"
        elif port == 0:
            problem = "port 0 is not a port"
    if problem:
        raise UsageError(
            f"{variable}={printable(value, 100)} is not a usable URL ({problem}); fix or unset {variable}."
        )
    return value


def explicit_endpoint() -> str | None:
    """The STS endpoint the environment names (botocore's order), checked; None when it names none."""
    for variable in ENDPOINT_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return checked_url(variable, value)
    return None


def standard_endpoint(region: str) -> str | None:
    """The STS endpoint botocore's rules give `region` (regional endpoints) in the partitions named
    above; None for the others."""
    if STANDARD_REGION.fullmatch(region):
        return f"https://sts.{region}.amazonaws.com"
    if CHINA_REGION.fullmatch(region):
        return f"https://sts.{region}.amazonaws.com.cn"
    return None


def tls_context(ca_bundle: str | None, default: str | None) -> ssl.SSLContext:
    """A verifying TLS context for `ca_bundle` (else `default`); a sentence naming the file when it cannot
    be used."""
    import ssl  # only for a call that is made: a presigned URL needs no TLS

    cafile = ca_bundle or default
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ConfigError(
            f"The CA bundle {cafile} (AWS_CA_BUNDLE or ca_bundle in ~/.aws/config) cannot be used: "
            f"{printable(reason, 100)}; point it at a readable PEM file."
        ) from None


def check_environment() -> None:
    """Refuse, before any call, endpoint or CA-bundle variables that no call could use."""
    explicit_endpoint()
    bundle = os.environ.get("AWS_CA_BUNDLE")
    if bundle:
        tls_context(bundle, None)
