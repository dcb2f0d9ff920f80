"""Enter, `r` and `x` on the marked rows: one run of the engine's bulk runner (`stsui.engine.bulk`: at most
four at a time, backoff on throttling, one MFA code per device) over every marked role.

The role list (`stsui.tui.widgets.role_list`) drives a run from one async worker: it confirms the roles
that ask, gets `needs` (which MFA devices need a code: it reads the caches, so in a thread), asks each
device's code once, then `run` (in a thread) starts each device's MFA session (one GetSessionToken) and the
roles. Each role's result is the fact a single role's would be, marked `bulk` so that it updates the row
without a notice of its own; one progress line (`MarkedRunProgress`, in the header) and one summary
(`MarkedRunDone`) are all that is said.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stsui.domain.errors import StsuiError
from stsui.domain.model import Role
from stsui.engine.bulk import Bulk, MfaDevice, MfaNeed, Progress, renew
from stsui.tui.display import LONG, Notice
from stsui.tui.messages import (
    ActionFailed,
    AssumeFailed,
    MarkedRunDone,
    MarkedRunProgress,
    Post,
    SessionForgotten,
    SessionStarted,
    aws_code,
)
from stsui.tui.state import Working

if TYPE_CHECKING:
    from stsui.engine.engine import Assumed, Engine


@dataclass(frozen=True)
class Verb:
    """What a key does to the marked roles."""

    doing: str
    """ "Assuming": the progress line's verb (`stsui.engine.bulk.Progress`)."""
    working: Working
    fresh: bool = False
    """Each role gets a new session (`r`), so an MFA code is needed unless its MFA session lives."""
    asks: str | None = None
    """The confirmation's verb for `confirm = true` roles, None when this never asks."""


ASSUME = Verb("Assuming", Working.ASSUMING, asks="Assume")
RENEW = Verb("Renewing", Working.RENEWING, fresh=True, asks="Renew")
FORGET = Verb("Forgetting", Working.FORGETTING)
VERBS = {"assume": ASSUME, "renew": RENEW, "forget": FORGET}
"""What Enter, `r` and `x` do to the marked roles (the screen names them; this module loads on first use)."""


class MarkedRuns:
    """The jobs of a run over the marked roles, and what is said of it."""

    def __init__(self, engine: Engine, post: Post, post_run: Post) -> None:
        """`post`: where each role's result goes (the roles screen, which applies it to the row); `post_run`:
        where the run's progress and summary go (the role list)."""
        self.engine = engine
        self._post = post
        self._post_run = post_run
        self.running = False
        """A run is under way (one at a time)."""

    # -- jobs (thread workers' bodies) -------------------------------------------------------------------

    def needs(self, verb: Verb, roles: Sequence[Role]) -> list[MfaNeed]:
        """Which MFA devices need a code from the user before `roles` run (it reads the caches: a thread)."""
        return [] if verb is FORGET else Bulk(self.engine).mfa_needs(roles, fresh=verb.fresh)

    def run(
        self,
        verb: Verb,
        roles: Sequence[Role],
        codes: Mapping[MfaDevice, str],
        regions: Mapping[str, str],
    ) -> None:
        """Run `verb` over `roles` with each device's code; `regions`: the region picked for a role
        without a session, which its new session gets."""
        engine, post = self.engine, self._post_run
        job: Callable[[Role], object]
        if verb is FORGET:
            job = self._forgetting
        elif verb is RENEW:
            job = self._reporting(lambda role: renew(engine, role), renewal=True)
        else:
            job = self._reporting(lambda role: engine.assume(role, region=regions.get(role.name)))

        def progress(step: Progress) -> None:
            post(MarkedRunProgress(step.text))

        summary = Bulk(engine).run(roles, job, verb=verb.doing, codes=codes, on_progress=progress)
        warnings: tuple[str, ...] = ()
        if verb is ASSUME:
            taken = [outcome.role for outcome in summary.outcomes if outcome.ok]
            warning = engine.took(taken) if taken else None
            warnings = (warning,) if warning else ()
        post(MarkedRunDone(summary.text(), len(summary.failed), warnings))

    def _reporting(
        self, assume: Callable[[Role], Assumed], *, renewal: bool = False
    ) -> Callable[[Role], Assumed]:
        """`assume`, posting each role's result as the row's fact (the summary says the rest)."""

        def job(role: Role) -> Assumed:
            try:
                outcome = assume(role)
            except StsuiError as error:
                self._post(
                    AssumeFailed(role.name, error.message, aws_code(error), renewal=renewal, bulk=True)
                )
                raise
            session = outcome.session
            self._post(
                SessionStarted(
                    role.name,
                    session.expiration,
                    session.assumed_role_arn,
                    renewal=renewal,
                    reused=outcome.reused,
                    warnings=outcome.warnings,
                    region=session.region,
                    bulk=True,
                )
            )
            return outcome

        return job

    def _forgetting(self, role: Role) -> bool:
        """Forget `role`, posting its result as the row's fact."""
        try:
            removed = self.engine.forget(role)
        except StsuiError as error:
            self._post(ActionFailed("forget", error.message, role.name, aws_code(error), bulk=True))
            raise
        self._post(SessionForgotten(role.name, removed=removed, bulk=True))
        return removed

    # -- what is said --------------------------------------------------------------------------------------

    def done(self, fact: MarkedRunDone) -> list[Notice]:
        self.running = False
        said = Notice(
            fact.summary,
            title="Marked roles",
            severity="error" if fact.failed else "information",
            timeout=LONG,
        )
        return [said, *(Notice(warning, severity="warning", timeout=LONG) for warning in fact.warnings)]
