"""`o`: the AWS console for a role, in the browser. The role is assumed first when it has no live session; the
login link is made in a worker and opened through `App.open_url`, never shown: the notification says whose
console, where and how long. In a terminal, `open_url` starts the browser with the URL on its command line,
which every local user can read, so it gets the URL of a private page leading to the link
(`stsui.store.sign_in_page`); served to a browser (`App.is_web`), the link goes to that browser itself.
A role whose `console_open` is not `default` (a Firefox container, a Chromium profile, a command) has its
browser started by the worker (`stsui.engine.browser`), through the same private page; served to a
browser, the link goes to that browser as for every role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stsui.domain.console_open import DEFAULT
from stsui.domain.errors import StsuiError
from stsui.engine.browser import open_console
from stsui.engine.console import role_target, sign_in_as_role
from stsui.store.sign_in_page import hand_over, remove_expired
from stsui.tui.display import LONG, Notice, failure, failure_title
from stsui.tui.messages import ConsoleFailed, ConsoleNeedsMfa, ConsoleReady, Post, SessionStarted, aws_code

if TYPE_CHECKING:
    from stsui.domain.model import Role
    from stsui.engine.engine import Engine


class ConsoleSignIn:
    """Signs in to the console as a role (`sign_in`, a worker's body) and words what came of it."""

    def __init__(self, engine: Engine, post: Post, post_link: Post) -> None:
        """`post`: where a session it started is reported (the roles screen); `post_link`: where the link,
        or why there is none, is (the App, which opens it)."""
        self.engine = engine
        self._post = post
        self._post_link = post_link

    def starting(self, role: Role) -> Notice:
        return Notice(f"Signing in to the AWS console as role '{role.name}'…", title="AWS console")

    def sign_in(self, role: Role, *, mfa_code: str | None, through_page: bool = True) -> None:
        """Assume `role` if needed (a new session is reported as any other), then make its login link and,
        with `through_page` (a terminal, not a browser), the private page that leads to it."""
        engine, post, post_link = self.engine, self._post, self._post_link
        try:
            target = role_target(role)
            if mfa_code is None and engine.needs_mfa_code(role):
                post_link(ConsoleNeedsMfa(role.name, engine.mfa_root(role).mfa_serial or ""))
                return
            outcome = engine.assume(role, mfa_code=mfa_code)
            session = outcome.session
            kept = engine.took([role])
            warnings = (*outcome.warnings, *([kept] if kept else []))
            if not outcome.reused or kept:
                post(
                    SessionStarted(
                        role.name,
                        session.expiration,
                        session.assumed_role_arn,
                        reused=outcome.reused,
                        warnings=warnings,
                        region=session.region,
                    )
                )
            if session.region and session.region != target.region:  # the session's own region
                target = role_target(role, region=session.region)
            login = sign_in_as_role(engine, role, session, target)
            if not through_page:
                url: str | None = login.url
            elif role.console_open == DEFAULT:
                url = hand_over(login.url).url
            else:  # a Firefox container, a Chromium profile, a command: started here, in the worker
                open_console(
                    login.url,
                    mode=role.console_open,
                    name=role.name,
                    color=role.color,
                    who=target.who,
                )
                url = None
        except StsuiError as error:
            post_link(ConsoleFailed(role.name, error.message, aws_code(error)))
            return
        post_link(ConsoleReady(role.name, url, login.summary()))

    def quitting(self) -> None:
        """The TUI is closing: remove the sign-in pages whose link has expired (younger ones stay for a
        browser that has yet to read them)."""
        remove_expired()

    def ready(self, fact: ConsoleReady) -> Notice:
        """Said once the link is opened: whose console, where and for how long (never the link)."""
        return Notice(fact.summary, title="AWS console", timeout=LONG)

    def failed(self, fact: ConsoleFailed) -> Notice:
        return failure(fact.message, failure_title(f"open the console of {fact.role}", fact.code))
