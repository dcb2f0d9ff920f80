"""Acting on many roles at once (the TUI's marked rows; `stsui assume NAME…`, `--group G` on assume, refresh
and forget): one runner for both, with the rules a burst of STS calls needs.

- At most `WORKERS` roles at a time (STS throttles bursts).
- A role refused with a throttling error is tried again after `BACKOFF` seconds (1, 2, 4, 8); while one
  waits, every worker holds (the limit is the account's, not the role's), so the burst thins out.
- Roles that share an MFA device get one code in total: `mfa_needs` groups the roles whose next call needs
  a code by device, the caller asks once per device, and `run` starts each device's MFA session first
  (one GetSessionToken), which every role of that device then uses. A device with `mfa_process` needs no
  asking: the engine runs it once per device however many roles wait.
- A role chained through another role of the same run starts after it, and reuses its session.
- Progress ("Assuming 12 roles: 7 done, 1 failed, 4 to go") is reported as each role ends, and every role
  gets an `Outcome`: what it gave, or the error that names it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from stsui.domain.errors import NeedsMfa, StsError, StsuiError
from stsui.domain.model import Role
from stsui.engine.engine import Assumed, Engine

T = TypeVar("T")

WORKERS = 4
BACKOFF = (1.0, 2.0, 4.0, 8.0)
"""Seconds before the next try after each throttling error in a row; then the role fails."""
THROTTLED = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
"""The AWS error codes that mean "too many requests": tried again after a pause."""

MfaDevice = tuple[str | None, str]
"""(base identity (`Role.base`), MFA serial): one MFA session, one code."""


@dataclass(frozen=True)
class MfaNeed:
    """An MFA device whose code the run needs, and the roles waiting on it (the first is its chain's root,
    the role the MFA session is made for)."""

    device: MfaDevice
    root: Role
    roles: tuple[Role, ...]

    @property
    def serial(self) -> str:
        return self.device[1]


@dataclass(frozen=True)
class Progress:
    """How far a run is: `text` is the one line the user sees."""

    verb: str
    total: int
    done: int
    failed: int

    @property
    def left(self) -> int:
        return self.total - self.done - self.failed

    @property
    def text(self) -> str:
        """ "Assuming 12 roles: 7 done, 1 failed, 4 to go"."""
        roles = "role" if self.total == 1 else "roles"
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.verb} {self.total} {roles}: {self.done} done{failed}, {self.left} to go"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One role's result: `value` (what the job returned), or the `error` that names the role."""

    role: Role
    value: T | None = None
    error: StsuiError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Summary(Generic[T]):
    """Every role's outcome, in the order asked."""

    verb: str
    outcomes: list[Outcome[T]] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome[T]]:
        return [outcome for outcome in self.outcomes if not outcome.ok]

    def text(self, *, why: bool = True) -> str:
        """ "Assumed 10 of 12 roles; 2 failed: prod-x: <its sentence> dev-y: <its sentence>" (`why`), or
        "…; 2 failed: prod-x, dev-y." where each failure has a line of its own already."""
        count = len(self.outcomes)
        done = f"{self.verb} {count - len(self.failed)} of {count} role{'s' if count != 1 else ''}"
        if not self.failed:
            return f"{done}."
        if not why:
            return f"{done}; {len(self.failed)} failed: {', '.join(o.role.name for o in self.failed)}."
        reasons = " ".join(f"{o.role.name}: {o.error}" for o in self.failed)
        return f"{done}; {len(self.failed)} failed: {reasons}"


class Bulk:
    """Runs one job over many roles of `engine`; `sleep` and `monotonic` are injected for tests."""

    def __init__(
        self,
        engine: Engine,
        *,
        workers: int = WORKERS,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.workers = workers
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._resume_at = 0.0

    # -- before the run: one code per device -----------------------------------------------------------

    def mfa_needs(self, roles: Sequence[Role], *, fresh: bool = False) -> list[MfaNeed]:
        """The MFA devices whose code the user must give before `roles` run (no cached MFA session, no
        `mfa_process`), each with its roles, in the order they were given."""
        waiting: dict[MfaDevice, tuple[Role, list[Role]]] = {}
        for role in roles:
            if not self.engine.needs_mfa_code(role, fresh=fresh):
                continue
            root = self.engine.mfa_root(role)
            assert root.mfa_serial is not None
            device = (root.base, root.mfa_serial)
            waiting.setdefault(device, (root, []))[1].append(role)
        return [MfaNeed(device, root, tuple(roles)) for device, (root, roles) in waiting.items()]

    # -- the run ---------------------------------------------------------------------------------------

    def run(
        self,
        roles: Sequence[Role],
        job: Callable[[Role], T],
        *,
        verb: str,
        codes: Mapping[MfaDevice, str] | None = None,
        on_progress: Callable[[Progress], object] = lambda progress: None,
    ) -> Summary[T]:
        """Run `job` for each role of `roles` (at most `workers` at a time); `codes` gives each device's
        MFA code (from `mfa_needs`), used for one MFA session per device before any role runs. `verb` names
        the work in progress ("Assuming"); the summary's verb is its past ("Assumed")."""
        outcomes: dict[str, Outcome[T]] = {}
        failed_devices = self._start_mfa_sessions(roles, codes or {})
        for role in roles:
            device = self._device(role)
            if device in failed_devices:
                outcomes[role.name] = Outcome(role, error=failed_devices[device])
        pending = [role for role in roles if role.name not in outcomes]
        counts = {"done": 0, "failed": len(outcomes)}
        total = len(roles)
        report = threading.Lock()

        def ended(outcome: Outcome[T]) -> None:
            with report:
                outcomes[outcome.role.name] = outcome
                counts["done" if outcome.ok else "failed"] += 1
                progress = Progress(verb, total, counts["done"], counts["failed"])
            on_progress(progress)

        finished = {role.name: threading.Event() for role in pending}
        on_progress(Progress(verb, total, 0, counts["failed"]))

        def one(role: Role) -> None:
            for ancestor in self._ancestors(role, finished):
                finished[ancestor].wait()
            try:
                ended(Outcome(role, value=self._attempt(job, role)))
            except StsuiError as error:
                ended(Outcome(role, error=error))
            finally:
                finished[role.name].set()

        if pending:
            from concurrent.futures import ThreadPoolExecutor  # 4 ms: not for every command that parses argv

            with ThreadPoolExecutor(max_workers=min(self.workers, len(pending))) as pool:
                for future in [pool.submit(one, role) for role in self._in_chain_order(pending)]:
                    future.result()  # a bug in a job surfaces here, not lost in a thread
        return Summary(past_tense(verb), [outcomes[role.name] for role in roles])

    def _device(self, role: Role) -> MfaDevice | None:
        root = self.engine.mfa_root(role)
        return None if root.mfa_serial is None else (root.base, root.mfa_serial)

    def _start_mfa_sessions(
        self, roles: Sequence[Role], codes: Mapping[MfaDevice, str]
    ) -> dict[MfaDevice, StsuiError]:
        """One MFA session per device with a code (one GetSessionToken each); the devices that failed."""
        failed: dict[MfaDevice, StsuiError] = {}
        roots = {device: self.engine.mfa_root(role) for role in roles if (device := self._device(role))}
        for device, code in codes.items():
            root = roots.get(device)
            if root is None:
                continue
            try:
                self._attempt(partial(self.engine.start_mfa_session, mfa_code=code), root)
            except StsuiError as error:
                failed[device] = error
        return failed

    def _ancestors(self, role: Role, running: Mapping[str, threading.Event]) -> list[str]:
        """The roles of this run that `role` is chained through."""
        return [link.name for link in self.engine.chain(role)[:-1] if link.name in running]

    def _in_chain_order(self, roles: Sequence[Role]) -> list[Role]:
        """`roles`, each after the roles of the run it is chained through (so a worker waiting on one
        never waits on a role not yet started)."""
        return sorted(roles, key=lambda role: len(self.engine.chain(role)))

    def _attempt(self, job: Callable[[Role], T], role: Role) -> T:
        """`job(role)`, tried again after each throttling error (every worker holding meanwhile)."""
        for delay in (*BACKOFF, None):
            self._hold()
            try:
                return job(role)
            except StsError as error:
                if error.code not in THROTTLED or delay is None:
                    raise
                with self._lock:
                    self._resume_at = max(self._resume_at, self._monotonic() + delay)
        raise AssertionError("unreachable")

    def _hold(self) -> None:
        """Wait while any worker was told to slow down."""
        while True:
            with self._lock:
                wait = self._resume_at - self._monotonic()
            if wait <= 0:
                return
            self._sleep(wait)


def past_tense(verb: str) -> str:
    """ "Assumed" of "Assuming", "Renewed" of "Renewing", "Forgot" of "Forgetting"."""
    return {"Assuming": "Assumed", "Renewing": "Renewed", "Forgetting": "Forgot"}.get(verb, verb)


def renew(engine: Engine, role: Role) -> Assumed:
    """Renew `role`'s session whatever its time left, never asking for an MFA code: NeedsMfa (naming the
    role, its device and what to run) when renewing would need one."""
    if engine.needs_mfa_code(role, fresh=True):
        root = engine.mfa_root(role)
        raise NeedsMfa(
            f"Skipped role '{role.name}': its MFA session for {root.mfa_serial} has expired; "
            f"run 'stsui assume {role.name}' to enter a new code."
        )
    return engine.assume(role, fresh=True)
