"""Running a command as a role: its environment (`stsui.agent.command` runs it).

The child must act as the role whatever the user's files hold. Environment keys come first in every SDK's
chain, so they are removed. The shared credentials file is read *before* the container provider, so a
`[default]` with long-term keys would win over the server: with a server, the child gets `AWS_PROFILE` naming
an empty profile in a private copy of the user's config file (`AWS_CONFIG_FILE`), so the default profile's
keys are passed over while every other profile still resolves as before.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

from stsui.domain.exports import IDENTITY_VARIABLES
from stsui.domain.model import Credentials
from stsui.domain.times import rfc3339

TYPE_CHECKING = False
if TYPE_CHECKING:
    from stsui.agent.config_copy import ConfigCopy  # every command's parser imports this module

EXEC_MARKER = "STSUI_EXEC"
"""Set in every child of `stsui exec` (to the pid of the exec): a nested exec is refused."""

ROLE_VARIABLE = "STSUI_ROLE"

OVERRIDING = IDENTITY_VARIABLES
"""Variables that would override or confuse the role's session in the child."""


def new_token() -> str:
    """A fresh bearer token for a credentials server: 256 random bits."""
    import secrets  # only where a token is made: every command's parser imports this module

    return secrets.token_urlsafe(32)


def base_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the variables that would override the role's session."""
    return {k: v for k, v in environ.items() if k not in OVERRIDING}


def with_region(env: dict[str, str], region: str | None) -> dict[str, str]:
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    return env


def keys_environment(
    environ: Mapping[str, str], role: str, credentials: Credentials, region: str | None
) -> dict[str, str]:
    """The child's environment with the session's keys (`--no-server`)."""
    env = base_environment(environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_SESSION_TOKEN": credentials.session_token,
            "AWS_CREDENTIAL_EXPIRATION": rfc3339(credentials.expiration),
            ROLE_VARIABLE: role,
            EXEC_MARKER: str(os.getpid()),
        }
    )
    return with_region(env, region)


def container_variables(url: str, token: str) -> dict[str, str]:
    """The two variables that point every AWS SDK at a credentials server's route (`url`) with `token`."""
    return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}


def container_lines(role: str, url: str, token: str) -> str:
    """What the TUI's `e` copies: the two variables as `NAME=value` lines (a Docker `--env-file`, an IDE's
    environment, or shell assignments), then `stsui exec ROLE -- ` ready for a command to be typed."""
    lines = [f"{name}={value}" for name, value in container_variables(url, token).items()]
    lines.append(f"stsui exec {shlex.quote(role)} -- ")
    return "\n".join(lines)


def server_environment(
    environ: Mapping[str, str], role: str, url: str, token: str, region: str | None, config_copy: ConfigCopy
) -> dict[str, str]:
    """The child's environment pointing every SDK at the credentials server's route for `role`."""
    env = base_environment(environ)
    env.update(container_variables(url, token))
    env.update(
        {
            "AWS_CONFIG_FILE": str(config_copy.path),
            "AWS_PROFILE": config_copy.profile,
            ROLE_VARIABLE: role,
            EXEC_MARKER: str(os.getpid()),
        }
    )
    return with_region(env, region)
