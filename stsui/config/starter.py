"""The commented starter roles file that `stsui init` writes."""

from __future__ import annotations

from pathlib import Path

from stsui.domain.errors import ConfigError

STARTER_CONFIG = """\
# stsui roles file (TOML). Each [roles.NAME] table is a role stsui can assume; each session is
# written to ~/.aws/credentials as the profile of the same name (or `profile`), so any AWS tool
# can use it with --profile NAME or AWS_PROFILE=NAME.
#
# Durations are whole seconds or strings like "90s", "15m", "1h", "1h30m", "12h".

[defaults]
# Every key here can be overridden in a role.
# source_profile = "default"      # profile whose credentials call STS (default: the usual AWS chain)
# source_keys = "default"         # or: long-term keys in the OS keyring ('stsui keys add default')
# region = "us-east-1"            # region written to the profile
# duration = "1h"                 # session length, 15m-12h (and at most the role's own maximum)
# session_name = "alice"          # RoleSessionName (default: stsui-<your user name>)
# refresh_before = "15m"          # renew this long before a session expires
# auto_refresh = true             # renew sessions automatically while stsui runs
# mfa_serial = "arn:aws:iam::123456789012:mfa/alice"   # MFA device; you are asked for a code
# mfa_session_duration = "12h"    # how long one MFA code lasts (GetSessionToken), 15m-36h
# mfa_process = "ykman oath accounts code --single aws"   # prints the code instead of asking you
# notify = true                   # a desktop notification when a background caller needs your MFA code
# console_duration = "12h"        # 'stsui console': the console session's length, 15m-12h (see README)
# console_open = "firefox-container"   # or chrome-profile, default, "my-browser {url}": a browser per role
# console_policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
#                                 # 'stsui console --base' only ([defaults] only): the federated user's policy
# color = "blue"                  # the role's colour in the TUI and the prompt: a name or "#rrggbb"
# confirm = false                 # ask before a role is assumed, used in a shell, run with or opened

# Settings for every role of a group (a role's own settings win; these win over [defaults]):
# [groups.prod]
#   color = "red"
#   confirm = true                # production asks "Assume prod-admin (123456789012)? [y/N]" first

# An example role: replace the account and role name with yours.
[roles.example-readonly]
role_arn = "arn:aws:iam::123456789012:role/ReadOnly"
description = "Example read-only role"
group = "example"
# profile = "example-readonly"    # credentials-file profile to write (default: the role's name)
# source_profile = "default"      # overrides [defaults]
# source_keys = "default"         # overrides [defaults] (keys in the OS keyring instead of a profile)
# source_role = "other-role"      # assume through another role of this file instead (chaining, max 1h)
# region = "eu-west-1"
# duration = "1h"
# session_name = "alice"
# refresh_before = "15m"
# auto_refresh = true
# mfa_serial = "arn:aws:iam::123456789012:mfa/alice"
# mfa_session_duration = "12h"
# mfa_process = "op item get AWS --otp"
# notify = true
# console_duration = "12h"
# console_open = "chrome-profile"
# external_id = "ext-12345"       # the ExternalId the role's trust policy asks for
# source_identity = "alice"       # SourceIdentity, kept in CloudTrail across role chains
# tags = { team = "platform" }    # session tags (at most 50)
# transitive_tag_keys = ["team"]  # session tags that pass on through role chaining
# policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]   # managed session policies (at most 10)
# policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}'
# color = "green"
# confirm = true

# A second role, assumed through the first one (role chaining):
# [roles.example-chained]
# role_arn = "arn:aws:iam::123456789012:role/Deployer"
# source_role = "example-readonly"
"""


def write_starter(path: Path) -> None:
    """Write `STARTER_CONFIG` to `path`, creating its directories; never overwrite an existing file."""
    write_new(path, STARTER_CONFIG, command="stsui init")


def write_new(path: Path, text: str, *, command: str = "stsui import --write") -> None:
    """Create the roles file `path` with `text`, creating its directories; never overwrite an existing
    file (or follow a dangling link): `command` is named in the refusal."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the directory {path.parent}: {exc.strerror or exc}.") from None
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise ConfigError(
            f"A roles file already exists at {path}; '{command}' will not overwrite it."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot create the roles file {path}: {exc.strerror or exc}.") from None
