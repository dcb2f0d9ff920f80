"""Where stsui's files live: the roles file, the cache and state directories, the AWS files.

Each place is worked out once, as text (`*_str`: the fast paths, `credential-process` and `prompt`, run at
every AWS call and every prompt and do not import pathlib), and handed to everything else as a `Path`.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

ON_LINUX = sys.platform.startswith("linux")
"""A flag, not a `sys.platform` test at each use, so mypy (run on Linux) checks the other branch too."""


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _xdg_dir(variable: str) -> str | None:
    """`$variable` when set to an absolute path (the XDG spec says to ignore relative ones)."""
    value = os.environ.get(variable, "")
    return value if value and os.path.isabs(value) else None


def _home() -> str:
    """The home directory as `Path.home()` finds it."""
    return os.path.expanduser("~")


def config_path_str(explicit: str | None) -> str:
    """The roles file: `--config`, else `$STSUI_CONFIG`, else `$XDG_CONFIG_HOME/stsui/roles.toml`,
    else `~/.config/stsui/roles.toml`."""
    if explicit:
        return os.path.expanduser(explicit)
    from_env = os.environ.get("STSUI_CONFIG", "")
    if from_env:
        return os.path.expanduser(from_env)
    base = _xdg_dir("XDG_CONFIG_HOME")
    return os.path.join(base, "stsui", "roles.toml") if base is not None else plain_config_path_str()


def plain_config_path_str() -> str:
    """`~/.config/stsui/roles.toml`: the roles file when no `--config` and no variable name another."""
    return os.path.join(_home(), ".config", "stsui", "roles.toml")


def config_path(explicit: str | None) -> Path:
    """`config_path_str` as a `Path`."""
    return _path(config_path_str(explicit))


def cache_dir_str() -> str:
    """`$XDG_CACHE_HOME/stsui`, else `~/.cache/stsui` on Linux, else the platform's cache directory."""
    base = _xdg_dir("XDG_CACHE_HOME")
    if base is not None:
        return os.path.join(base, "stsui")
    if ON_LINUX:
        return os.path.join(_home(), ".cache", "stsui")
    import platformdirs  # only off Linux; keeps the Linux path stdlib-only

    return str(platformdirs.user_cache_path("stsui"))


def cache_dir() -> Path:
    """`cache_dir_str` as a `Path`."""
    return _path(cache_dir_str())


def state_dir() -> Path:
    """`$XDG_STATE_HOME/stsui`, else `~/.local/state/stsui` on Linux, else the platform's state directory:
    what stsui learns of the user (pins, history) and keeps across runs, but is no cache to throw away."""
    base = _xdg_dir("XDG_STATE_HOME")
    if base is not None:
        return _path(os.path.join(base, "stsui"))
    if ON_LINUX:
        return _path(os.path.join(_home(), ".local", "state", "stsui"))
    import platformdirs  # only off Linux; keeps the Linux path stdlib-only

    return platformdirs.user_state_path("stsui")


def browser_profiles_dir() -> Path:
    """Where `console_open = "chrome-profile"` keeps one browser profile per role (its cookies are the
    console's session): `$XDG_DATA_HOME/stsui/browser-profiles`, else `~/.local/share/stsui/...` on Linux,
    else the platform's data directory."""
    base = _xdg_dir("XDG_DATA_HOME")
    if base is None and ON_LINUX:
        base = os.path.join(_home(), ".local", "share")
    if base is None:
        import platformdirs

        return platformdirs.user_data_path("stsui") / "browser-profiles"
    return _path(os.path.join(base, "stsui", "browser-profiles"))


CREDENTIALS_VARIABLE = "AWS_SHARED_CREDENTIALS_FILE"
AWS_CONFIG_VARIABLE = "AWS_CONFIG_FILE"


def _aws_file(variable: str, default: str) -> str:
    """`$variable` expanded as botocore expands it (`$VARS`, then `~`), else `default`."""
    return os.path.expanduser(os.path.expandvars(os.environ.get(variable) or default))


def credentials_path_str() -> str:
    """The shared credentials file: `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`."""
    return _aws_file(CREDENTIALS_VARIABLE, "~/.aws/credentials")


def credentials_path() -> Path:
    """`credentials_path_str` as a `Path`."""
    return _path(credentials_path_str())


def aws_config_path() -> Path:
    """The AWS config file: `$AWS_CONFIG_FILE`, else `~/.aws/config`."""
    return _path(_aws_file(AWS_CONFIG_VARIABLE, "~/.aws/config"))


def runtime_dir() -> Path:
    """Where the running agent leaves its address: `$XDG_RUNTIME_DIR/stsui`, else the cache directory."""
    base = _xdg_dir("XDG_RUNTIME_DIR")
    return _path(os.path.join(base, "stsui")) if base is not None else cache_dir()


def sso_token_dir() -> Path:
    """The AWS CLI's and botocore's IAM Identity Center token cache, `~/.aws/sso/cache` (no variable moves
    it), shared with them: a login by either side is the other's."""
    return _path(os.path.join(_home(), ".aws", "sso", "cache"))


def cli_cache_dir() -> Path:
    """The AWS CLI's credential cache, `~/.aws/cli/cache`: botocore's sessions of role and SSO profiles
    (read only, for the other sessions)."""
    return _path(os.path.join(_home(), ".aws", "cli", "cache"))


KUBECONFIG_VARIABLE = "KUBECONFIG"


def kubeconfig_path() -> Path:
    """The kubeconfig `stsui kubeconfig` edits: the first file of `$KUBECONFIG` (a list, as kubectl reads
    it; kubectl too writes new entries to the first), else `~/.kube/config`."""
    first = next((part for part in os.environ.get(KUBECONFIG_VARIABLE, "").split(os.pathsep) if part), "")
    return _path(os.path.expanduser(first) if first else os.path.join(_home(), ".kube", "config"))
