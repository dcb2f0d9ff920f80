"""IAM Identity Center in the TUI: the login dialog (the code to confirm), and the roles screen's login and
sync actions, their workers and what they report.

Nothing opens a browser unless the user pressed the login key: a role whose instance has no usable login
shows "needs login", and assuming or renewing it says which key to press.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from stsui.domain.errors import StsuiError
from stsui.domain.printable import printable
from stsui.tui.messages import Fact

if TYPE_CHECKING:
    from stsui.domain.model import Role
    from stsui.domain.sso import SsoInstance
    from stsui.engine.engine import Engine
    from stsui.tui.state import RoleBook

PROGRESS_EVERY = 25
"""Accounts between two progress reports of a sync."""


@dataclass
class SsoCodeShown(Fact):
    """The device authorization started: the user must confirm this code in the browser (`page`: the page
    to open by hand, when no browser can be opened from here)."""

    sso: str
    user_code: str
    page: str | None = None


def browser_available() -> bool:
    """Whether `webbrowser` would open a graphical browser (or the user's $BROWSER): a text browser would
    take over the TUI's own terminal, so without a display the page is shown instead."""
    return bool(
        os.environ.get("BROWSER")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or sys.platform in ("darwin", "win32")
    )


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
    """Every instance was discovered again (`failures`: one sentence per instance that could not be)."""

    summary: str
    failures: tuple[str, ...] = ()


@dataclass
class LoginNeeded(Fact):
    """Assuming or renewing a role needs a new IAM Identity Center login."""

    role: str
    message: str
    automatic: bool = False


class SsoLoginScreen(ModalScreen[None]):
    """Shows the code to confirm in the browser while the login waits; Esc cancels it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, sso: str, cancel: threading.Event) -> None:
        super().__init__()
        self.sso = sso
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(id="sso-dialog"):
            yield Label(f"Log in to IAM Identity Center '{self.sso}'", id="sso-title", markup=False)
            yield Label("Starting…", id="sso-code", markup=False)
            yield Label(
                "Your browser opens the sign-in page: check that it shows this code and approve it. "
                "Esc cancels.",
                id="sso-hint",
                markup=False,
            )

    def show_code(self, user_code: str, page: str | None) -> None:
        self.query_one("#sso-code", Label).update(f"Code: {printable(user_code, 32)}")
        if page is not None:
            self.query_one("#sso-hint", Label).update(
                f"Open {printable(page, 300)} in a browser on any device, enter this code and approve it. "
                "Esc cancels."
            )

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)


class SsoActions:
    """The roles screen's IAM Identity Center actions (a mixin of `RolesScreen`, which brings `engine`,
    `book`, `app`, `post_message`, `table` and the repaint helpers)."""

    engine: Engine
    book: RoleBook
    _login_dialog: SsoLoginScreen | None = None
    _subtitle: str | None = None
    """The App's subtitle while a sync shows its progress there."""

    _logins: dict[str, bool] | None = None
    """Whether the token cache held a usable login for each instance when last asked."""

    def mark_logins(self) -> None:
        """Ask each instance (no network) whether its roles need a login, and mark every role (at the start,
        and after the roles were replaced)."""
        self._logins = {}
        self.poll_logins(quiet=True)

    def poll_logins(self, *, quiet: bool = False) -> bool:
        """Each tick: an instance whose login came or went since it was last asked (`stsui sso login` or
        `aws sso logout` in another terminal, or a login that ran out) marks its roles again, and says so
        unless `quiet`. Reads the token cache, never the network. True when a role's mark changed."""
        sso, seen = self.engine.sso, self._logins
        if seen is None:
            seen = self._logins = {}
        changed = False
        for instance in self.engine.config.sso.values():
            logged_in = sso is not None and sso.logged_in(instance)
            if seen.get(instance.name) == logged_in:
                continue
            seen[instance.name] = logged_in
            changed = self.book.mark_needs_login(instance.name, not logged_in, self._root) or changed
            if quiet:
                continue
            if logged_in:
                self.app.notify(  # type: ignore[attr-defined]
                    f"Logged in to IAM Identity Center '{instance.name}' elsewhere; its roles are ready.",
                    title="Login",
                )
            else:
                self.app.notify(  # type: ignore[attr-defined]
                    f"The login to IAM Identity Center '{instance.name}' ended (logged out elsewhere, or "
                    "expired); press l to log in again.",
                    title="Login needed",
                    severity="warning",
                    timeout=10,
                )
        return changed

    def _root(self, role: Role) -> Role:
        return self.engine.chain(role)[0]

    def _sso_instance(self) -> SsoInstance | None:
        """The highlighted role's instance, else the only one; None (after saying why) otherwise."""
        instances = self.engine.config.sso
        name = self.table.highlighted  # type: ignore[attr-defined]
        role = self.book[name].role if name is not None else None
        if role is not None and role.sso is not None and role.sso.sso in instances:
            return instances[role.sso.sso]
        if len(instances) == 1:
            return next(iter(instances.values()))
        if not instances:
            self.app.notify(  # type: ignore[attr-defined]
                "No IAM Identity Center instance is configured; add an [sso.NAME] table to the roles file.",
                severity="warning",
            )
        else:
            self.app.notify(  # type: ignore[attr-defined]
                "Highlight a role of the IAM Identity Center instance to log in to.", severity="warning"
            )
        return None

    def action_sso_login(self) -> None:
        instance = self._sso_instance()
        if instance is None or self.engine.sso is None:
            return
        cancel = threading.Event()
        self._login_dialog = SsoLoginScreen(instance.name, cancel)
        self.app.push_screen(self._login_dialog)  # type: ignore[attr-defined]
        self._login_worker(instance, cancel)

    def action_sso_sync(self) -> None:
        if not self.engine.config.sso or self.engine.sso is None:
            self._sso_instance()  # says why not
            return
        self.app.notify("Discovering IAM Identity Center accounts and roles…", title="Sync")  # type: ignore[attr-defined]
        self._sync_worker()

    # -- workers ---------------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="sso-login", exclusive=True, description="log in")
    def _login_worker(self, instance: SsoInstance, cancel: threading.Event) -> None:
        import webbrowser  # honours $BROWSER

        logins = self.engine.sso
        assert logins is not None
        post = self.post_message  # type: ignore[attr-defined]
        browser = browser_available()
        try:
            logins.login(
                instance,
                show=lambda device: post(
                    SsoCodeShown(
                        instance.name, device.user_code, None if browser else device.verification_uri
                    )
                ),
                open_browser=webbrowser.open if browser else lambda _url: None,
                cancelled=cancel.is_set,
            )
        except StsuiError as error:
            if not cancel.is_set():
                post(SsoLoginFailed(instance.name, error.message))
            return
        post(SsoLoggedIn(instance.name))

    @work(thread=True, exit_on_error=False, group="sso-sync", exclusive=True, description="sync")
    def _sync_worker(self) -> None:
        from stsui.engine.sso import Discoverer, default_discovery_cache, sync, with_discovered

        logins = self.engine.sso
        assert logins is not None
        post = self.post_message  # type: ignore[attr-defined]
        cache = default_discovery_cache()
        counts, failures = [], []
        for instance in self.engine.config.sso.values():

            def progress(done: int, total: int, name: str = instance.name) -> None:
                if done == total or done % PROGRESS_EVERY == 0:
                    post(SsoSyncProgress(name, done, total))

            try:
                roles, _found = sync(instance, Discoverer(logins), cache, progress=progress)
            except StsuiError as error:
                failures.append(error.message)
                continue
            live = [r for r in roles if not r.gone]
            gone = len(roles) - len(live)
            counts.append(f"{instance.name}: {len(live)} roles" + (f", {gone} gone" if gone else ""))
        self.engine.config = with_discovered(self.engine.config, cache)
        post(SsoSynced("; ".join(counts), tuple(failures)))

    # -- facts -----------------------------------------------------------------------------------------

    def on_sso_code_shown(self, fact: SsoCodeShown) -> None:
        if self._login_dialog is not None:
            self._login_dialog.show_code(fact.user_code, fact.page)

    def _close_dialog(self) -> None:
        dialog, self._login_dialog = self._login_dialog, None
        if dialog is not None and dialog.is_attached and self.app.screen is dialog:  # type: ignore[attr-defined]
            dialog.dismiss(None)

    def on_sso_logged_in(self, fact: SsoLoggedIn) -> None:
        self._close_dialog()
        if self._logins is not None:
            self._logins[fact.sso] = True  # not news at the next tick
        changed = self.book.mark_needs_login(fact.sso, False, self._root)
        self.app.notify(f"Logged in to IAM Identity Center '{fact.sso}'.", title="Login")  # type: ignore[attr-defined]
        if changed:
            self._repaint()  # type: ignore[attr-defined]
        instance = self.engine.config.sso[fact.sso]
        if self._never_synced(instance):  # a first login shows every account and role at once
            self.action_sso_sync()

    @staticmethod
    def _never_synced(instance: SsoInstance) -> bool:
        from stsui.engine.sso import default_discovery_cache

        return default_discovery_cache().get(instance.name, instance.start_url)[1] is None

    def on_sso_login_failed(self, fact: SsoLoginFailed) -> None:
        self._close_dialog()
        self.app.notify(fact.message, title="Login failed", severity="error", timeout=10)  # type: ignore[attr-defined]

    def on_sso_sync_progress(self, fact: SsoSyncProgress) -> None:
        if self._subtitle is None:
            self._subtitle = self.app.sub_title  # type: ignore[attr-defined]
        self.app.sub_title = f"{fact.sso}: roles of {fact.done}/{fact.total} accounts listed"  # type: ignore[attr-defined]

    def on_sso_synced(self, fact: SsoSynced) -> None:
        self.reload_roles()  # type: ignore[attr-defined]
        subtitle, self._subtitle = self._subtitle, None
        self.mark_logins()
        self._repaint()  # type: ignore[attr-defined]
        app = self.app  # type: ignore[attr-defined]
        if subtitle is not None:
            app.sub_title = subtitle
        if fact.summary:
            app.notify(fact.summary + ".", title="Sync")
        for failure in fact.failures:
            app.notify(failure, title="Sync failed", severity="error", timeout=10)

    def on_login_needed(self, fact: LoginNeeded) -> None:
        self.book.finish(fact.role)
        state = self.book[fact.role]
        told = self.book.needs_login(fact.role)
        state.needs_login = True
        root = self._root(state.role).sso
        if root is not None:
            self.book.mark_needs_login(root.sso, True, self._root)
        if fact.automatic:
            self.renewals.failed(fact.role, self.engine.clock())  # type: ignore[attr-defined]
        if not (told and fact.automatic):  # an automatic renewal says it once, never opens a browser
            self.app.notify(  # type: ignore[attr-defined]
                f"{fact.message} Press l to log in.", title="Login needed", severity="warning", timeout=10
            )
        self._changed(fact.role)  # type: ignore[attr-defined]
