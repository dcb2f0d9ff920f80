"""Where stsui's files live: the roles file, the cache and state directories, the AWS files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ON_LINUX = sys.platform.startswith("linux")
"""A flag, not a `sys.platform` test at each use, so mypy (run on Linux) checks the other branch too."""


def _xdg_dir(variable: str) -> Path | None:
    """`$variable` when set to an absolute path (the XDG spec says to ignore relative ones)."""
    value = os.environ.get(variable, "")
    return Path(value) if value and os.path.isabs(value) else None


def config_path(explicit: str | None) -> Path:
    """The roles file: `--config`, else `$STSUI_CONFIG`, else `$XDG_CONFIG_HOME/stsui/roles.toml`,
    else `~/.config/stsui/roles.toml`."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get("STSUI_CONFIG", "")
    if from_env:
        return Path(from_env).expanduser()
    base = _xdg_dir("XDG_CONFIG_HOME") or Path.home() / ".config"
    return base / "stsui" / "roles.toml"


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/stsui`, else `~/.cache/stsui` on Linux, else the platform's cache directory."""
    base = _xdg_dir("XDG_CACHE_HOME")
    if base is not None:
        return base / "stsui"
    if ON_LINUX:
        return Path.home() / ".cache" / "stsui"
    import platformdirs  # only off Linux; keeps the Linux path stdlib-only

    return platformdirs.user_cache_path("stsui")


def state_dir() -> Path:
    """`$XDG_STATE_HOME/stsui`, else `~/.local/state/stsui` on Linux, else the platform's state directory:
    what stsui learns of the user (pins, history) and keeps across runs, but is no cache to throw away."""
    base = _xdg_dir("XDG_STATE_HOME")
    if base is not None:
        return base / "stsui"
    if ON_LINUX:
        return Path.home() / ".local" / "state" / "stsui"
    import platformdirs  # only off Linux; keeps the Linux path stdlib-only

    return platformdirs.user_state_path("stsui")


def browser_profiles_dir() -> Path:
    """Where `console_open = "chrome-profile"` keeps one browser profile per role (its cookies are the
    console's session): `$XDG_DATA_HOME/stsui/browser-profiles`, else `~/.local/share/stsui/...` on Linux,
    else the platform's data directory."""
    base = _xdg_dir("XDG_DATA_HOME")
    if base is None and ON_LINUX:
        base = Path.home() / ".local" / "share"
    if base is None:
        import platformdirs

        return platformdirs.user_data_path("stsui") / "browser-profiles"
    return base / "stsui" / "browser-profiles"


CREDENTIALS_VARIABLE = "AWS_SHARED_CREDENTIALS_FILE"
AWS_CONFIG_VARIABLE = "AWS_CONFIG_FILE"


def _aws_file(variable: str, default: str) -> Path:
    """`$variable` expanded as botocore expands it (`$VARS`, then `~`), else `default`."""
    return Path(os.path.expanduser(os.path.expandvars(os.environ.get(variable) or default)))


def credentials_path() -> Path:
    """The shared credentials file: `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`."""
    return _aws_file(CREDENTIALS_VARIABLE, "~/.aws/credentials")


def aws_config_path() -> Path:
    """The AWS config file: `$AWS_CONFIG_FILE`, else `~/.aws/config`."""
    return _aws_file(AWS_CONFIG_VARIABLE, "~/.aws/config")


def runtime_dir() -> Path:
    """Where the running agent leaves its address: `$XDG_RUNTIME_DIR/stsui`, else the cache directory."""
    base = _xdg_dir("XDG_RUNTIME_DIR")
    return base / "stsui" if base is not None else cache_dir()


def sso_token_dir() -> Path:
    """The AWS CLI's and botocore's IAM Identity Center token cache, `~/.aws/sso/cache` (no variable moves
    it), shared with them: a login by either side is the other's."""
    return Path.home() / ".aws" / "sso" / "cache"


KUBECONFIG_VARIABLE = "KUBECONFIG"


def kubeconfig_path() -> Path:
    """The kubeconfig `stsui kubeconfig` edits: the first file of `$KUBECONFIG` (a list, as kubectl reads
    it; kubectl too writes new entries to the first), else `~/.kube/config`."""
    first = next((part for part in os.environ.get(KUBECONFIG_VARIABLE, "").split(os.pathsep) if part), "")
    return Path(first).expanduser() if first else Path.home() / ".kube" / "config"
