"""IAM Identity Center for the roles screen: which instances have a usable login, the login and sync jobs,
and what each outcome marks and says.

Nothing opens a browser unless the user pressed the login key: a role whose instance has no usable login
shows "needs login", and assuming or renewing it says which key to press. Logins are read from the token
cache (never the network) at the start and on each tick, so `aws sso login` or `stsui sso logout` in another
terminal shows within a second.
"""

from __future__ import annotations

import os
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from stsui.domain.errors import StsuiError
from stsui.tui.display import LONG, Notice, failure
from stsui.tui.messages import (
    LoginNeeded,
    Post,
    SsoCodeShown,
    SsoLoggedIn,
    SsoLoginFailed,
    SsoSynced,
    SsoSyncProgress,
)

if TYPE_CHECKING:
    from stsui.domain.model import Role
    from stsui.domain.sso import DeviceAuthorization, SsoInstance
    from stsui.engine.engine import Engine
    from stsui.tui.renewals import RenewalPolicy
    from stsui.tui.state import RoleBook

PROGRESS_EVERY = 25
"""Accounts between two progress reports of a sync."""


def browser_available() -> bool:
    """Whether `webbrowser` would open a graphical browser (or the user's $BROWSER): a text browser would
    take over the TUI's own terminal, so without a display the page is shown instead."""
    return bool(
        os.environ.get("BROWSER")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or sys.platform in ("darwin", "win32")
    )


class IdentityCenter:
    """The roles screen's IAM Identity Center instances; the screen runs the jobs and shows the notices."""

    def __init__(self, engine: Engine, book: RoleBook, renewals: RenewalPolicy, post: Post) -> None:
        self.engine = engine
        self.book = book
        self.renewals = renewals
        self._post = post
        self._logins: dict[str, bool] = {}
        """Whether the token cache held a usable login for each instance when last asked."""
        self._subtitle: str | None = None
        """The App's subtitle to restore, while a sync shows its progress there."""

    @property
    def configured(self) -> bool:
        return bool(self.engine.config.sso)

    def root(self, role: Role) -> Role:
        """The first role of `role`'s chain: the one whose instance its login comes from."""
        return self.engine.chain(role)[0]

    # -- logins in the token cache -----------------------------------------------------------------------

    def mark_logins(self) -> None:
        """Ask each instance (no network) whether its roles need a login, and mark every role (at the start,
        and after the roles were replaced)."""
        self._logins = {}
        self.poll_logins()

    def poll_logins(self) -> tuple[bool, list[Notice]]:
        """Each tick: an instance whose login came or went since it was last asked (`stsui sso login` or
        `aws sso logout` in another terminal, or a login that ran out) marks its roles again (one mark per
        instance: 20,000 discovered roles are not visited). Returns whether a role's status may have
        changed, and what to say (nothing for an instance asked the first time)."""
        logins, seen = self.engine.sso, self._logins
        changed = False
        notices: list[Notice] = []
        for instance in self.engine.config.sso.values():
            logged_in = logins is not None and logins.logged_in(instance)
            before = seen.get(instance.name)
            if before == logged_in:
                continue
            seen[instance.name] = logged_in
            changed = (
                self.book.mark_needs_login(instance.name, needed=not logged_in, root=self.root) or changed
            )
            if before is None:
                continue
            if logged_in:
                notices.append(
                    Notice(
                        f"Logged in to IAM Identity Center '{instance.name}' elsewhere; its roles are ready.",
                        title="Login",
                    )
                )
            else:
                notices.append(
                    Notice(
                        f"The login to IAM Identity Center '{instance.name}' ended (logged out elsewhere, or "
                        "expired); press l to log in again.",
                        title="Login needed",
                        severity="warning",
                        timeout=LONG,
                    )
                )
        return changed, notices

    def instance_for(self, name: str | None) -> SsoInstance | Notice:
        """The instance of role `name` (the highlighted one), else the only one; else why there is none."""
        instances = self.engine.config.sso
        role = self.book[name].role if name is not None else None
        if role is not None and role.sso is not None and role.sso.sso in instances:
            return instances[role.sso.sso]
        if len(instances) == 1:
            return next(iter(instances.values()))
        if not instances:
            return Notice(
                "No IAM Identity Center instance is configured; add an [sso.NAME] table to the roles file.",
                severity="warning",
            )
        return Notice(
            "Highlight a role of the IAM Identity Center instance to log in to.", severity="warning"
        )

    # -- jobs (thread workers' bodies) -------------------------------------------------------------------

    def log_in(self, instance: SsoInstance, cancel: threading.Event, post: Post) -> None:
        """The device login (the login dialog's worker): posts the code to confirm, then whether it worked
        (nothing once cancelled)."""
        import webbrowser  # honours $BROWSER

        logins = self.engine.sso
        assert logins is not None
        browser = browser_available()

        def show(device: DeviceAuthorization) -> None:
            # an untrusted page is never opened (the engine decides): shown as without a browser, and why
            opens = browser and device.untrusted is None
            page = None if opens else device.verification_uri
            post(SsoCodeShown(instance.name, device.user_code, page, untrusted=device.untrusted))

        try:
            logins.login(
                instance,
                show=show,
                open_browser=webbrowser.open if browser else lambda _url: None,
                cancelled=cancel.is_set,
            )
        except StsuiError as error:
            if not cancel.is_set():
                post(SsoLoginFailed(instance.name, error.message))
            return
        post(SsoLoggedIn(instance.name))

    def sync(self) -> None:
        """Discover every instance's accounts and roles again (progress as it goes); the handler of what it
        posts takes the new roles."""
        from stsui.engine.discovered_roles import default_discovery_cache, with_discovered
        from stsui.engine.role_discovery import Discoverer, sync

        logins = self.engine.sso
        assert logins is not None
        post = self._post
        cache = default_discovery_cache()
        counts, failures = [], []
        for instance in self.engine.config.sso.values():

            def progress(done: int, total: int, name: str = instance.name) -> None:
                if done == total or done % PROGRESS_EVERY == 0:
                    post(SsoSyncProgress(name, done, total))

            try:
                roles, found = sync(instance, Discoverer(logins), cache, progress=progress)
            except StsuiError as error:
                failures.append(error.message)
                continue
            live = [r for r in roles if not r.gone]
            gone = len(roles) - len(live)
            counts.append(f"{instance.name}: {len(live)} roles" + (f", {gone} gone" if gone else ""))
            note = found.dropped_note(instance)
            if note:
                failures.append(note)
        post(SsoSynced(with_discovered(self.engine.config, cache), "; ".join(counts), tuple(failures)))

    # -- what the jobs reported --------------------------------------------------------------------------

    def logged_in(self, sso: str) -> bool:
        """The login worked: its roles are ready (not news at the next tick). True when a role's status may
        have changed."""
        self._logins[sso] = True
        return self.book.mark_needs_login(sso, needed=False, root=self.root)

    def never_synced(self, sso: str) -> bool:
        """Whether the instance's accounts were never discovered (a first login then syncs at once)."""
        from stsui.engine.discovered_roles import default_discovery_cache

        instance = self.engine.config.sso[sso]
        return default_discovery_cache().get(instance.name, instance.start_url)[1] is None

    def sync_progress(self, fact: SsoSyncProgress, subtitle: str) -> str:
        """The App's subtitle while syncing (`subtitle`: the one shown now, restored by `synced`)."""
        if self._subtitle is None:
            self._subtitle = subtitle
        return f"{fact.sso}: roles of {fact.done}/{fact.total} accounts listed"

    def synced(self, fact: SsoSynced) -> tuple[str | None, list[Notice]]:
        """The sync is over (the screen has taken the new roles, `fact.config`): the subtitle to restore, and
        what to say."""
        subtitle, self._subtitle = self._subtitle, None
        self.mark_logins()
        notices = [Notice(fact.summary + ".", title="Sync")] if fact.summary else []
        notices += [failure(message, "Sync failed") for message in fact.failures]
        return subtitle, notices

    def login_needed(self, fact: LoginNeeded, now: datetime) -> Notice | None:
        """Assuming or renewing needs a login: marks the role and its instance's roles. An automatic
        renewal backs off and says it once; it never opens a browser."""
        self.book.finish(fact.role)
        state = self.book[fact.role]
        told = self.book.needs_login(fact.role)
        state.needs_login = True
        root = self.root(state.role).sso
        if root is not None:
            self.book.mark_needs_login(root.sso, needed=True, root=self.root)
        if fact.automatic:
            self.renewals.failed(fact.role, now)
        if told and fact.automatic:
            return None
        return Notice(
            f"{fact.message} Press l to log in.", title="Login needed", severity="warning", timeout=LONG
        )
