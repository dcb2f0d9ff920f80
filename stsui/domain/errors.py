"""Errors a user can act on: one sentence each, with the exit code the CLI uses."""

from __future__ import annotations

USAGE = 2
FAILED = 1


class StsuiError(Exception):
    """An error whose message is a complete sentence for the user."""

    exit_code: int = FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(StsuiError):
    """The roles file is missing, unreadable or invalid (exit 2)."""

    exit_code = USAGE


class UsageError(StsuiError):
    """The command line asks for something that cannot be done (exit 2)."""

    exit_code = USAGE


class CredentialsFileError(StsuiError):
    """The shared credentials file cannot be read or safely changed (exit 1)."""


class AwsConfigError(StsuiError):
    """The AWS config file cannot be read or safely changed (exit 1)."""


class KubeconfigError(StsuiError):
    """The kubeconfig cannot be read or safely changed, or holds an entry stsui did not write under the
    name it would write (exit 1)."""


class StsError(StsuiError):
    """STS refused or could not be reached; keeps the AWS error code (exit 1)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class NeedsMfa(StsuiError):
    """A new MFA code is needed and none can be asked for here (exit 1)."""


class NeedsLogin(StsuiError):
    """An IAM Identity Center instance needs a new login and none is started here (exit 1)."""


class UnsafeFileError(StsuiError):
    """A file or directory stsui would use is not what it must be (another owner, a link, not a regular
    file, writable by others); nothing was read from it or written to it (exit 1)."""


class KeyringError(StsuiError):
    """The OS keyring cannot give or keep a key: no usable backend, a locked collection, no such entry, an
    entry that does not parse (exit 2: the setup needs fixing; stsui never falls back to a plaintext file)."""

    exit_code = USAGE


class MfaProcessError(StsuiError):
    """`mfa_process` gave no code: it failed, timed out or printed something else (exit 1). The sentence
    never repeats what the command printed, which could be a secret."""
