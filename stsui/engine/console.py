"""Signing in to the AWS console as a role or as the base identity: which page, which of AWS's rules apply,
and how long the console session lasts. Shared by `stsui console` and the TUI's `o`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stsui.domain.arns import partition_of_arn
from stsui.domain.console import (
    ALLOW_ALL_POLICY,
    Partition,
    SigninRequest,
    console_lasts,
    destination_url,
    partition,
)
from stsui.domain.durations import format_duration
from stsui.domain.errors import UsageError
from stsui.domain.model import Config, Role, Session
from stsui.domain.sts_calls import FederationTokenRequest
from stsui.engine.engine import Engine

FEDERATED_NAME_LIMIT = 32
"""GetFederationToken's Name is 2-32 characters."""


@dataclass(frozen=True)
class ConsoleTarget:
    """Where the console opens, checked before any request is made."""

    who: str
    """`role 'prod-admin'` or `the base identity`: how messages name whom the console is for."""
    partition: Partition
    region: str
    destination: str


@dataclass(frozen=True)
class ConsoleLogin:
    """A login link and what the user is told about it (never the link itself)."""

    target: ConsoleTarget
    url: str = field(repr=False)
    """A bearer secret for 15 minutes: shown only with `--print`, opened in the browser otherwise."""
    session_duration: int | None
    """The SessionDuration sent to the federation endpoint, or None when AWS's rules leave it out."""
    lasts: int
    """Seconds the console session will last."""
    expires_at: datetime
    why: str = ""
    """Why the console cannot last as long as `console_duration` asks, when it cannot."""

    def summary(self) -> str:
        """`AWS console for role 'x' in eu-west-1: signed in for 1h (until 13:00 UTC; …).`"""
        until = self.expires_at.strftime("%H:%M UTC")
        why = f"; {self.why}" if self.why else ""
        return (
            f"AWS console for {self.target.who} in {self.target.region}: signed in for "
            f"{format_duration(max(60, self.lasts) // 60 * 60)} (until {until}{why})."
        )


def role_target(role: Role, *, destination: str | None = None, region: str | None = None) -> ConsoleTarget:
    """The console page for `role`: its partition (from `role_arn`), the region (`--region` or the
    session's, checked against that partition; else the role's, else the partition's first) and the
    destination; UsageError before any request when one is wrong."""
    from stsui.domain.regions import check_region  # botocore's data: read when a console opens

    who = f"role '{role.name}'"
    home = partition_of_arn(role.role_arn)
    where = partition(home, who)
    if region is not None:
        check_region(region, partition=home, who=who)
    chosen = region or role.region or where.default_region
    return ConsoleTarget(who, where, chosen, destination_url(where, chosen, destination, who))


def base_target(
    config: Config, *, destination: str | None = None, region: str | None = None
) -> ConsoleTarget:
    """The console page for the base identity: the partition of the region (`--region`, `[defaults]`, else
    us-east-1)."""
    from stsui.domain.regions import check_region, partition_of

    who = "the base identity"
    if region is not None:
        check_region(region, partition=partition_of(region), who=who)
    chosen = region or config.region or "us-east-1"
    where = partition(partition_of(chosen), who)
    return ConsoleTarget(who, where, chosen, destination_url(where, chosen, destination, who))


def _source(profile: str | None) -> str:
    return f"profile '{profile}'" if profile else "the default credentials"


def _why_not_longer(engine: Engine, role: Role) -> str:
    """Why AWS refuses a SessionDuration for `role`'s session (aws-vault#77, #1191); "" when it takes one."""
    if role.chained:
        return "a chained role's console ends with its session, at most 1h"
    root = engine.mfa_root(role)
    if root.mfa_serial is not None:
        return "a role assumed through an MFA session cannot ask AWS for a longer console"
    if not engine.has_long_term_keys(root):
        source = _source(root.source_profile)
        return f"{source} gives temporary credentials, so the console ends with the role session"
    return ""


def sign_in_as_role(engine: Engine, role: Role, session: Session, target: ConsoleTarget) -> ConsoleLogin:
    """A login link for `role`'s live `session`, sending SessionDuration only where AWS accepts it."""
    why = _why_not_longer(engine, role)
    now = engine.clock()
    send, lasts = console_lasts(
        may_send=not why,
        wanted=role.console_duration,
        seconds_left=session.credentials.seconds_left(now),
        chained=role.chained,
    )
    if not why and send is None:
        why = "the role session has under 15m left, so the console ends with it"
    url = engine.gateway.console_login_url(
        SigninRequest(session.credentials, target.partition, target.destination, send, target.who)
    )
    return ConsoleLogin(target, url, send, lasts, now + timedelta(seconds=lasts), why)


def sign_in_as_base(engine: Engine, target: ConsoleTarget) -> ConsoleLogin:
    """GetFederationToken with the base identity's long-term keys (the federation endpoint refuses the keys
    themselves and GetSessionToken sessions), then a login link for that federated session."""
    config = engine.config
    gateway = engine.gateway
    if not engine.has_long_term_keys():
        raise UsageError(
            f"'stsui console --base' needs an IAM user's long-term keys (GetFederationToken takes nothing "
            f"else), but {_source(config.source_profile)} gives temporary credentials; open a role's "
            "console with 'stsui console NAME' instead."
        )
    session = gateway.get_federation_token(
        FederationTokenRequest(
            profile=config.source_profile,
            region=target.region,
            name=config.session_name[:FEDERATED_NAME_LIMIT],
            policy=config.console_policy or ALLOW_ALL_POLICY,
            duration=config.console_duration,
            keys=engine.base_keys(),
        )
    )
    url = gateway.console_login_url(
        SigninRequest(session.credentials, target.partition, target.destination, None, target.who)
    )
    now = engine.clock()
    lasts = max(0, int(session.credentials.seconds_left(now)))
    why = (
        "" if config.console_policy else "with every permission of the IAM user, as no console_policy is set"
    )
    return ConsoleLogin(target, url, None, lasts, now + timedelta(seconds=lasts), why)
