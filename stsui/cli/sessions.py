"""`stsui assume`, `refresh` and `forget`: on one role, several (`NAME…`) or a group (`--group G`).

Several roles run through the engine's one bulk runner (`stsui.engine.bulk`): at most four at a time, backoff
on throttling, one MFA code per device (asked once on the terminal, before any role), a progress line on a
terminal, then one line per role in the order asked and the exit code 1 when any role failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

from stsui.cli.confirm import add_yes_option, confirm
from stsui.cli.shared import (
    MFA_CODE_OPTION,
    add_mfa_code_option,
    add_region_option,
    ask_mfa_code,
    mfa_code,
    print_json,
    time_left,
    took,
    warn,
)
from stsui.cli.wiring import load_engine
from stsui.domain.errors import NeedsLogin, NeedsMfa, UsageError
from stsui.domain.limits import MAX_DURATION, MIN_DURATION
from stsui.domain.model import Role
from stsui.domain.suggest import did_you_mean
from stsui.domain.times import rfc3339
from stsui.engine.bulk import Bulk, MfaDevice, Outcome, Progress, Summary, past_tense, renew
from stsui.engine.engine import Assumed, Engine

T = TypeVar("T")


def roles_named(engine: Engine, names: Sequence[str], group: str | None) -> list[Role]:
    """The roles `names` names, then those of `group` (each once, in that order); a sentence naming what
    is unknown otherwise."""
    config = engine.config
    chosen = {name: config.role(name) for name in names}
    if group is not None:
        members = [role for role in config.roles.values() if role.group == group]
        if not members:
            groups = sorted({role.group for role in config.roles.values() if role.group})
            hint = did_you_mean(group, groups)
            listing = f"; its groups are {', '.join(groups)}" if groups and not hint else ""
            raise UsageError(f"No role of {config.path} is in group {group!r}{hint}{listing}.")
        chosen.update((role.name, role) for role in members if role.name not in chosen)
    return list(chosen.values())


def _duration(text: str | None) -> int | None:
    if text is None:
        return None
    from stsui.domain.durations import format_duration, parse_duration

    try:
        duration = parse_duration(text)
    except ValueError as error:
        raise UsageError(f"--duration {text!r} is not a duration: {error}") from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise UsageError(
            f"--duration must be between {format_duration(MIN_DURATION)} and "
            f"{format_duration(MAX_DURATION)} ({MIN_DURATION}-{MAX_DURATION} s), not {duration} s."
        )
    return duration


def mfa_codes(bulk: Bulk, roles: Sequence[Role], given: str | None, *, fresh: bool) -> dict[MfaDevice, str]:
    """One code per MFA device the roles need (`--mfa-code` for a single device, else asked on the
    terminal once per device), before any role runs."""
    needs = bulk.mfa_needs(roles, fresh=fresh)
    if given is not None and len(needs) > 1:
        devices = ", ".join(need.serial for need in needs)
        raise UsageError(f"These roles need codes of {len(needs)} MFA devices ({devices}); {MFA_CODE_OPTION} "
                         "gives one: leave it out to be asked for each.")  # fmt: skip
    codes = {}
    for need in needs:
        names = ", ".join(f"'{role.name}'" for role in need.roles)
        who = f"Role {names}" if len(need.roles) == 1 else f"Roles {names}"
        codes[need.device] = given if given is not None else ask_mfa_code(need.serial, who=who)
    return codes


def run_many(
    engine: Engine,
    roles: Sequence[Role],
    job: Callable[[Role], T],
    *,
    verb: str,
    codes: dict[MfaDevice, str] | None = None,
    several: bool = True,
) -> Summary[T]:
    """The bulk run, with its progress line on stderr while stderr is a terminal. One role (not `several`)
    runs as it always has: its error is the command's (with its own exit code)."""
    if not several:
        return Summary(past_tense(verb), [Outcome(role, value=job(role)) for role in roles])
    live = sys.stderr.isatty()

    def progress(step: Progress) -> None:
        if live:
            end = "\n" if step.left == 0 else ""
            print(f"\r\x1b[2K{step.text}", end=end, file=sys.stderr, flush=True)

    return Bulk(engine).run(roles, job, verb=verb, codes=codes, on_progress=progress)


def _said(summary: Summary[T], line: Callable[[Outcome[T]], str]) -> int:
    """One line per role (stdout when it worked, `stsui: …` on stderr when not), then, for several roles,
    the summary; the exit code."""
    for outcome in summary.outcomes:
        if outcome.ok:
            print(line(outcome))
        else:
            print(f"stsui: {outcome.error}", file=sys.stderr)
    if len(summary.outcomes) > 1:
        print(f"stsui: {summary.text(why=False)}", file=sys.stderr)
    return 1 if summary.failed else 0


# -- assume ----------------------------------------------------------------------------------------------


def cmd_assume(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    roles = roles_named(engine, args.names, args.group)
    if not roles:
        raise UsageError("assume needs a role NAME (or several), or --group G.")
    several = len(roles) > 1 or args.group is not None
    if several and args.profile is not None:
        raise UsageError("--profile names one profile, so it takes one role; leave it out for several.")
    duration = _duration(args.duration)
    if args.profile is not None and not args.force:
        from stsui.cli.profiles import refuse_a_synced_profile

        refuse_a_synced_profile(args.profile)
    for role in roles:
        if args.region is not None:
            engine.check_region(role, args.region)
        engine.check_profile(role, role.profile if args.profile is None else args.profile, force=args.force)
    confirm(roles, verb="assume", yes=args.yes)
    fresh = duration is not None
    if several:
        codes, one_code = mfa_codes(Bulk(engine), roles, args.mfa_code, fresh=fresh), None
    else:
        codes, one_code = {}, mfa_code(engine, roles[0], args.mfa_code, fresh=fresh)

    def assume(role: Role) -> Assumed:
        return engine.assume(
            role,
            mfa_code=one_code,
            duration=duration,
            profile=args.profile,
            force=args.force,
            region=args.region,
        )

    summary = run_many(engine, roles, assume, verb="Assuming", codes=codes, several=several)
    took(engine, [outcome.role for outcome in summary.outcomes if outcome.ok])
    for outcome in summary.outcomes:
        if outcome.value is not None:
            warn(outcome.value)
    if args.json:
        rows = [_assumed_json(outcome) for outcome in summary.outcomes]
        print_json(rows if several else rows[0])
        return 1 if summary.failed else 0
    now = engine.clock()
    return _said(summary, lambda outcome: _assumed_line(outcome, now))


def _assumed_line(outcome: Outcome[Assumed], now: datetime) -> str:
    assert outcome.value is not None
    session = outcome.value.session
    how = "reused a session with" if outcome.value.reused else "new session,"
    region = f" in {session.region}" if session.region else ""
    return (
        f"{outcome.role.name}: wrote profile '{outcome.value.profile}' as {session.assumed_role_arn}{region} "
        f"({how} {time_left(session.expiration, now)} left, until {rfc3339(session.expiration)})"
    )


def _assumed_json(outcome: Outcome[Assumed]) -> dict[str, object]:
    if outcome.value is None:
        return {"name": outcome.role.name, "ok": False, "error": str(outcome.error)}
    session = outcome.value.session
    return {
        "name": outcome.role.name,
        "profile": outcome.value.profile,
        "assumed_role_arn": session.assumed_role_arn,
        "region": session.region,
        "expires_at": rfc3339(session.expiration),
        "reused": outcome.value.reused,
    }


# -- refresh ---------------------------------------------------------------------------------------------


def cmd_refresh(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    named = args.names or args.group is not None
    roles = roles_named(engine, args.names, args.group) if named else engine.due()
    summary = run_many(engine, roles, partial(renew, engine), verb="Renewing")
    for outcome in summary.outcomes:
        if outcome.value is not None:
            warn(outcome.value)
    if args.json:
        print_json([_renewal_json(outcome) for outcome in summary.outcomes])
        return 1 if summary.failed else 0
    if not roles:
        print("Nothing is due: every session stsui holds has more than its renewal window left.")
        return 0
    now = engine.clock()

    def line(outcome: Outcome[Assumed]) -> str:
        assert outcome.value is not None
        left = time_left(outcome.value.session.expiration, now)
        return f"{outcome.role.name}: renewed profile '{outcome.value.profile}' ({left} left)"

    return _said(summary, line)


def _renewal_json(outcome: Outcome[Assumed]) -> dict[str, object]:
    if outcome.value is not None:
        return {
            "name": outcome.role.name,
            "ok": True,
            "profile": outcome.value.profile,
            "expires_at": rfc3339(outcome.value.session.expiration),
            "error": None,
            "needs_mfa": False,
            "needs_login": False,
        }
    return {
        "name": outcome.role.name,
        "ok": False,
        "profile": None,
        "expires_at": None,
        "error": str(outcome.error),
        "needs_mfa": isinstance(outcome.error, NeedsMfa),
        "needs_login": isinstance(outcome.error, NeedsLogin),
    }


# -- forget ----------------------------------------------------------------------------------------------


def cmd_forget(args: argparse.Namespace) -> int:
    if not args.names and args.group is None and not args.mfa:
        raise UsageError(
            "forget needs a role NAME (or several), --group G, or --mfa to drop the MFA sessions."
        )
    named = bool(args.names) or args.group is not None
    engine = load_engine(args.config, required=named)
    if args.mfa:
        count = engine.forget_mfa()
        print(f"Dropped {count} cached MFA session{'s' if count != 1 else ''}.")
    if not named:
        return 0
    roles = roles_named(engine, args.names, args.group)
    several = len(roles) > 1 or args.group is not None
    summary = run_many(engine, roles, engine.forget, verb="Forgetting", several=several)
    where = engine.store.path

    def line(outcome: Outcome[bool]) -> str:
        role = outcome.role
        if outcome.value:
            return f"{role.name}: removed profile '{role.profile}' from {where}."
        return f"{role.name}: profile '{role.profile}' is not in {where}; nothing to remove."

    return _said(summary, line)


# -- the grammar -----------------------------------------------------------------------------------------


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("assume", help="assume roles and write their profiles")
    cmd.set_defaults(handler=cmd_assume)
    cmd.add_argument("names", nargs="*", metavar="NAME", help="the roles' names in the roles file")
    _group_option(cmd)
    cmd.add_argument("--profile", help="write this profile instead of the role's own (one role)")
    cmd.add_argument("--duration", help="session duration: seconds or 15m, 1h, 1h30m, 12h")
    add_region_option(cmd)
    add_mfa_code_option(cmd)
    add_yes_option(cmd)
    cmd.add_argument("--force", action="store_true", help="overwrite a profile stsui did not write")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = commands.add_parser("refresh", help="renew due sessions, or the named ones now")
    cmd.set_defaults(handler=cmd_refresh)
    cmd.add_argument("names", nargs="*", metavar="NAME")
    _group_option(cmd)
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = commands.add_parser("forget", help="remove roles' profiles (only those stsui wrote)")
    cmd.set_defaults(handler=cmd_forget)
    cmd.add_argument("names", nargs="*", metavar="NAME")
    _group_option(cmd)
    cmd.add_argument("--mfa", action="store_true", help="drop the cached MFA sessions")


def _group_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--group", metavar="G", help="every role whose group is G")
