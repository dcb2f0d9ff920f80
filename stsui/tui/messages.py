"""Every fact the TUI's workers and threads report: small immutable messages named for what happened.

Workers run the engine (STS calls, file reads and writes) off the event loop and never touch a widget; the
agent's threads serve background callers. Each posts one of these, and an `@on(Fact)` handler of the node it
was posted to applies it in one place: the roles screen, the App (the agent's facts), the login dialog, the
other-sessions screen, the role list (its index) or the identity panel (identities). A widget's messages
about itself, such as `RoleTable.Highlighted`, live in the widget, as Textual's own `Input.Changed` does.

Textual marks its own bookkeeping on a message as it travels (sender, stop, prevent_default), so
`dataclass(frozen=True)` cannot be used on a `Message`; `Fact` freezes the dataclass fields instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, InvalidStateError
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

from stsui.domain.errors import StsError, StsuiError
from stsui.domain.model import Config, Identity, ProfileEntry
from stsui.domain.roster import Roster
from stsui.domain.search import RoleSearch

if TYPE_CHECKING:
    from stsui.discover.found import Found  # discovery loads when the other-sessions screen opens


class Fact(Message):
    """A message whose dataclass fields cannot be changed once it is made; handled where it is posted
    (it does not bubble, so each fact is handled, and seen by a test's message hook, once)."""

    bubble = False

    def __init_subclass__(cls, bubble: bool | None = False, **options: Any) -> None:
        super().__init_subclass__(bubble=bubble, **options)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in getattr(self, "__dataclass_fields__", ()) and name in self.__dict__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super().__setattr__(name, value)


Post = Callable[[Message], object]
"""Hands a fact to the node that handles it, from any thread (that node's `post_message`)."""


def aws_code(error: StsuiError) -> str:
    """The AWS error code a failure carries (AccessDenied, ExpiredToken, …), "" when it has none."""
    return error.code if isinstance(error, StsError) else ""


# -- sessions ---------------------------------------------------------------------------------------------


@dataclass
class SessionStarted(Fact):
    """A role's session was obtained (or reused) and written to its profile (in `region`). `bulk`: one of
    a run over the marked rows, which says one summary at its end instead of a notice per role."""

    role: str
    expires_at: datetime
    assumed_role_arn: str
    renewal: bool = False
    automatic: bool = False
    reused: bool = False
    warnings: tuple[str, ...] = ()
    region: str | None = None
    bulk: bool = False


@dataclass
class AssumeFailed(Fact):
    """Assuming or renewing a role failed; `message` is a sentence, `code` the AWS error code if any."""

    role: str
    message: str
    code: str = ""
    renewal: bool = False
    automatic: bool = False
    bulk: bool = False


@dataclass
class LoginNeeded(Fact):
    """Assuming or renewing a role needs a new IAM Identity Center login."""

    role: str
    message: str
    automatic: bool = False


@dataclass
class MfaCodeNeeded(Fact):
    """Assuming the role needs a new MFA code from the user first; nothing was sent to STS."""

    role: str
    serial: str
    fresh: bool = False


@dataclass
class CodeFromProcess(Fact):
    """Assuming the role runs its `mfa_process` for the MFA code (instead of the prompt)."""

    role: str
    serial: str


@dataclass
class RenewalNeedsMfa(Fact):
    """An automatic renewal was skipped because it would need a new MFA code."""

    role: str
    serial: str


@dataclass
class RenewalChecked(Fact):
    """The engine said whether renewing a role's due or expired session would need a new MFA code."""

    role: str
    needs_mfa: bool


@dataclass
class SessionForgotten(Fact):
    """The role's profile (if stsui wrote it) and cached session were removed."""

    role: str
    removed: bool
    bulk: bool = False


@dataclass
class MfaSessionsForgotten(Fact):
    """Every cached MFA session was dropped."""

    count: int


@dataclass
class ActionFailed(Fact):
    """Something other than assuming failed (forget, copy, reading the credentials file)."""

    action: str
    message: str
    role: str | None = None
    code: str = ""
    bulk: bool = False


@dataclass
class ExportLinesReady(Fact):
    """The export lines for a role's live session, to be copied (never shown: they hold the secret)."""

    role: str
    text: str = field(repr=False)


@dataclass
class RegionChanged(Fact):
    """The role's live session was given another region: the same keys, no STS call (`live` False: it had
    no live session, so its next session gets the region)."""

    role: str
    region: str
    live: bool


@dataclass
class RecentsNotSaved(Fact):
    """The pins, the order or the regions used could not be saved (the screen keeps them until it closes),
    or the file had to be set aside: `message` says which."""

    message: str


# -- many roles at once (the marked rows) -----------------------------------------------------------------


@dataclass
class MarkedRunProgress(Fact):
    """ "Assuming 12 roles: 7 done, 1 failed, 4 to go" (replaced by the next: only the newest counts)."""

    text: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MarkedRunProgress)


@dataclass
class MarkedRunDone(Fact):
    """The run ended: `summary` names the roles that failed and why."""

    summary: str
    failed: int
    warnings: tuple[str, ...] = ()


# -- identities -------------------------------------------------------------------------------------------


@dataclass
class IdentityFetched(Fact):
    """GetCallerIdentity answered: for the base identity (`role` None) or a role's session."""

    identity: Identity
    role: str | None = None
    access_key_id: str | None = None


@dataclass
class IdentityFailed(Fact):
    """GetCallerIdentity failed for the base identity (`role` None) or a role's session."""

    message: str
    role: str | None = None
    code: str = ""


@dataclass
class NoLiveSession(Fact):
    """The role has no live session (to ask STS about, or to copy when `asked`)."""

    role: str
    asked: bool = False


# -- the credentials file ---------------------------------------------------------------------------------


@dataclass
class CredentialsFileChanged(Fact):
    """The credentials file changed on disk (stsui or another program wrote it) and was read again."""

    entries: Mapping[str, ProfileEntry]
    stamp: tuple[int, int, int] | None


@dataclass
class CredentialsFileUnreadable(Fact):
    """The credentials file changed but cannot be read (the message says why); shown once per change."""

    message: str
    stamp: tuple[int, int, int] | None


@dataclass
class RolesIndexed(Fact):
    """Every role was decoded and indexed off the event loop after the first frame (100,000 roles take about
    a second): the filter's keys, and each column's longest text in cells."""

    roster: Roster
    search: RoleSearch
    longest: Mapping[str, int]


# -- the AWS console ---------------------------------------------------------------------------------------


@dataclass
class ConsoleReady(Fact):
    """A login link for the role's console is ready to open; `summary` says for whom, where and how long.
    `url` is the private page leading to the link, or (served to a browser) the link itself, a bearer
    secret: it is opened, never shown; None when the role's `console_open` already started its browser."""

    role: str
    url: str | None = field(repr=False)
    summary: str = ""


@dataclass
class ConsoleFailed(Fact):
    """Opening the role's console failed; `message` is a sentence without the link or any key."""

    role: str
    message: str
    code: str = ""


@dataclass
class ConsoleNeedsMfa(Fact):
    """The role's session needs a new MFA code before its console can open; nothing was sent."""

    role: str
    serial: str


# -- IAM Identity Center -----------------------------------------------------------------------------------


@dataclass
class SsoCodeShown(Fact):
    """The device authorization started: the user must confirm this code in the browser (`page`: the page
    to open by hand, when no browser can be opened from here or the page is not AWS's: `untrusted` says
    why it was not opened)."""

    sso: str
    user_code: str
    page: str | None = None
    untrusted: str | None = None


@dataclass
class SsoLoggedIn(Fact):
    sso: str


@dataclass
class SsoLoginFailed(Fact):
    sso: str
    message: str


@dataclass
class SsoSyncProgress(Fact):
    sso: str
    done: int
    total: int


@dataclass
class SsoSynced(Fact):
    """Every instance was discovered again: `config` holds the roles found (the handler takes it), `failures`
    one sentence per instance that could not be."""

    config: Config = field(repr=False)
    summary: str
    failures: tuple[str, ...] = ()


# -- the agent (the TUI serving background callers) -------------------------------------------------------


@dataclass
class ServingChanged(Fact):
    """The agent started, or could not (the screen reads `Serving.state` and `why_not`)."""


@dataclass
class AgentFailed(Fact):
    """The agent could not get a role's session for a background caller or a renewal (its sentence)."""

    role: str
    message: str


@dataclass
class AgentServed(Fact):
    """The agent handed out or renewed a role's session: a failure streak, if any, is over."""

    role: str


@dataclass
class AgentNeedsMfa(Fact):
    """A background caller asked the agent for a role whose MFA session lapsed; it was answered 503."""

    role: str


@dataclass(eq=False)
class MfaRequest:
    """A background caller waiting for the user to enter `role`'s MFA code; `reply` hands the code (or None)
    to the relay thread that waits on it."""

    role: str
    serial: str
    asker: str
    """Who asked (printable): the command and its pid, from the caller."""
    future: Future[str | None] = field(default_factory=Future, repr=False)

    def reply(self, code: str | None) -> None:
        """The user's answer (None: cancelled); only the first one counts."""
        with contextlib.suppress(InvalidStateError):
            self.future.set_result(code)


@dataclass
class MfaAsked(Fact):
    """A background caller needs an MFA code: the App opens the prompt naming the role and the caller."""

    request: MfaRequest


@dataclass
class MfaAskEnded(Fact):
    """A background caller stopped waiting (the time ran out): its prompt is closed."""

    request: MfaRequest
    timed_out: bool = True


@dataclass
class MfaRelayed(Fact):
    """The code entered for a background caller started the role's MFA session, or failed (`error`)."""

    role: str
    asker: str
    error: str = ""


# -- other sessions (what other tools made; read-only) -----------------------------------------------------


@dataclass
class OtherSessionsLoaded(Fact):
    """Discovery finished."""

    found: list[Found]


@dataclass
class OtherIdentity(Fact):
    """STS answered (or failed) for the session in row `key`."""

    key: str
    text: str
    error: bool = False
