"""One function per command. Each returns an exit code or raises StsuiError."""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from stsui.cli.setup import load_engine, load_roles_file
from stsui.domain.collector import building
from stsui.domain.errors import NeedsLogin, NeedsMfa, UsageError
from stsui.domain.limits import CHAINED_MAX_DURATION, MAX_DURATION, MFA_CODE, MFA_CODE_RULE, MIN_DURATION
from stsui.domain.model import Role, Status, owned_expiry
from stsui.domain.times import rfc3339
from stsui.engine.engine import Assumed, Engine, Failed, Obtained

ROW_BREAK = ('}, {"', '},\n  {"')
"""Between two objects of a list the C encoder writes `}, {"`, and nowhere else outside a string when the
objects hold no objects of their own; inside a string it cannot occur (a quote is always escaped). Breaking
the line there changes only white space."""


ROWS_AT_ONCE = 1000
"""Objects encoded by one call of the C encoder: few calls, and no copy of the whole output in memory."""


def _print_json(data: object) -> None:
    """Indented JSON; a list of objects (`list`, `refresh`) as one object per line (`_print_objects`)."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        _print_objects(data)
        return
    print(json.dumps(data, indent=2))


def _print_objects(objects: Iterable[dict[str, object]]) -> None:
    """A JSON list with one object per line, written as it is made: `ROWS_AT_ONCE` objects at a time are
    encoded by one call of the C encoder and their lines broken at `ROW_BREAK` (indenting 10,000 rows in pure
    Python took longer than everything else `list` does; one call per row, a fifth of it)."""
    out = sys.stdout
    rows = iter(objects)
    opening = "[\n  "
    while batch := list(itertools.islice(rows, ROWS_AT_ONCE)):
        out.write(opening + json.dumps(batch)[1:-1].replace(*ROW_BREAK))
        opening = ",\n  "
    out.write("[]\n" if opening == "[\n  " else "\n]\n")


def _time_left(expires_at: datetime | None, now: datetime) -> str:
    from stsui.domain.durations import format_time_left

    return "" if expires_at is None else format_time_left((expires_at - now).total_seconds())


def _checked_code(code: str | None) -> str | None:
    if code is not None and not MFA_CODE.fullmatch(code):
        raise UsageError(f"The MFA code must be {MFA_CODE_RULE}; nothing was sent to STS.")
    return code


def _mfa_code(engine: Engine, role: Role, given: str | None, *, fresh: bool = False) -> str | None:
    """The code to use: the given one, or asked for on a terminal when the role needs one now."""
    code = _checked_code(given)
    if code is not None or not engine.needs_mfa_code(role, fresh=fresh):
        return code
    root = engine.mfa_root(role)
    if not sys.stdin.isatty():
        raise UsageError(
            f"Role '{role.name}' needs an MFA code for {root.mfa_serial}; pass --mfa-code CODE "
            "(stdin is not a terminal, so stsui cannot ask)."
        )
    print(f"MFA code for {root.mfa_serial}: ", end="", file=sys.stderr, flush=True)
    return _checked_code(sys.stdin.readline().strip())


def _warn(outcome: Obtained) -> None:
    for warning in outcome.warnings:
        print(f"stsui: warning: {warning}", file=sys.stderr)


# -- commands --------------------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    from stsui.tui.app import run_tui

    return run_tui(engine, serve=not args.no_serve)


def cmd_demo(args: argparse.Namespace) -> int:
    from stsui.cli.demo import run_demo

    return run_demo()


def role_rows(engine: Engine) -> list[tuple[Role, Status, datetime | None]]:
    """Each role of the roles file with its status and the expiry of the session stsui holds for it."""
    roles = engine.config.roles.values()
    entries = engine.entries({role.profile for role in roles})
    now, logins = engine.clock(), engine.logged_in()
    return [
        (role, engine.status(role, entries, now, logins), owned_expiry(role, entries.get(role.profile)))
        for role in roles
    ]


def cmd_list(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, required=not args.all)
    if args.all:
        from stsui.cli.list_all import print_all

        return print_all(engine, as_json=args.json)
    with building():
        return _print_list(engine, as_json=args.json)


def _print_list(engine: Engine, *, as_json: bool) -> int:
    rows = role_rows(engine)
    now = engine.clock()
    if as_json:
        _print_objects(
            {
                "name": role.name,
                "role_arn": role.role_arn,
                "account": role.account,
                "role": role.role_short_name,
                "profile": role.profile,
                "group": role.group,
                "source_role": role.source_role,
                **_source(role),
                "status": status,  # a str: the encoder writes its text
                "expires_at": rfc3339(expires_at) if expires_at else None,
                "seconds_left": max(0, int((expires_at - now).total_seconds())) if expires_at else None,
                "refresh_before": role.refresh_before,
                "note": _short_session_note(role),
            }
            for role, status, expires_at in rows
        )
        return 0
    table = [("NAME", "ACCOUNT", "ROLE", "PROFILE", "STATUS", "LEFT")]
    table += [
        (r.name, r.account, r.role_short_name, r.profile, _status_text(r, s), _time_left(e, now) if e else "")
        for r, s, e in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for role, _, _ in rows:
        note = _short_session_note(role)
        if note:
            print(f"note: {role.name}: {note}")
    return 0


def _short_session_note(role: Role) -> str | None:
    """What a session renewed inside botocore's 15-minute advisory window means, or None."""
    duration = min(role.duration, CHAINED_MAX_DURATION) if role.chained else role.duration
    return _session_note(role.refresh_before, duration)


@functools.lru_cache(maxsize=256)
def _session_note(refresh_before: int, duration: int) -> str | None:
    """`_short_session_note` for a session of `duration` renewed `refresh_before` seconds before it ends (a
    few combinations among 10,000 roles: each is worded once)."""
    from stsui.domain.durations import format_duration
    from stsui.domain.limits import BOTOCORE_ADVISORY_REFRESH, botocore_refetch_window

    window = botocore_refetch_window(refresh_before, duration)
    if not window:
        return None
    span = (
        "the whole session"
        if duration <= BOTOCORE_ADVISORY_REFRESH
        else f"its last {format_duration(window)}"
    )
    return (
        f"renewed with {format_duration(refresh_before)} left, inside botocore's 15-minute refresh "
        f"window: a credential_process profile runs stsui on every AWS call for {span}"
    )


def _status_text(role: Role, status: Status) -> str:
    """The status, and "gone" for a discovered role missing from the last IAM Identity Center sync."""
    return f"{status} (gone)" if role.sso is not None and role.sso.gone else str(status)


_FROM_CONFIG: dict[str, object] = {"source": "config"}


def _source(role: Role) -> dict[str, object]:
    """Where a role comes from: the roles file, or IAM Identity Center (with its account's name)."""
    if role.sso is None:
        return _FROM_CONFIG
    return {
        "source": "sso",
        "sso": role.sso.sso,
        "account_name": role.sso.account_name,
        "gone": role.sso.gone,
    }


def cmd_assume(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    duration = None
    if args.duration is not None:
        from stsui.domain.durations import format_duration, parse_duration

        try:
            duration = parse_duration(args.duration)
        except ValueError as error:
            raise UsageError(f"--duration {args.duration!r} is not a duration: {error}") from None
        if not MIN_DURATION <= duration <= MAX_DURATION:
            raise UsageError(
                f"--duration must be between {format_duration(MIN_DURATION)} and "
                f"{format_duration(MAX_DURATION)} ({MIN_DURATION}-{MAX_DURATION} s), not {duration} s."
            )
    code = _checked_code(args.mfa_code)
    engine.check_profile(role, role.profile if args.profile is None else args.profile, force=args.force)
    code = _mfa_code(engine, role, code, fresh=duration is not None)
    outcome = engine.assume(role, mfa_code=code, duration=duration, profile=args.profile, force=args.force)
    _warn(outcome)
    session = outcome.session
    if args.json:
        _print_json(
            {
                "name": role.name,
                "profile": outcome.profile,
                "assumed_role_arn": session.assumed_role_arn,
                "expires_at": rfc3339(session.expiration),
                "reused": outcome.reused,
            }
        )
        return 0
    left = _time_left(session.expiration, engine.clock())
    how = "reused a session with" if outcome.reused else "new session,"
    print(
        f"{role.name}: wrote profile '{outcome.profile}' as {session.assumed_role_arn} "
        f"({how} {left} left, until {rfc3339(session.expiration)})"
    )
    return 0


def cmd_whoami(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, required=False)
    identity = engine.base_identity(args.profile)
    if args.json:
        _print_json({"UserId": identity.user_id, "Account": identity.account, "Arn": identity.arn})
    else:
        print(f"UserId   {identity.user_id}\nAccount  {identity.account}\nArn      {identity.arn}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    from stsui.domain.exports import env_lines

    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    outcome = engine.obtain(role, mfa_code=_mfa_code(engine, role, args.mfa_code))
    _warn(outcome)
    sys.stdout.write(env_lines(outcome.session, args.shell))
    return 0


def cmd_credential_process(args: argparse.Namespace) -> int:
    from stsui.cli.agent import obtain
    from stsui.domain.exports import credential_process_json

    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    outcome = obtain(engine, role, None, may_prompt=False)
    _warn(outcome)
    print(credential_process_json(outcome.session))
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    roles = [engine.config.role(name) for name in args.names] if args.names else None
    outcomes = engine.refresh(roles)
    for outcome in outcomes:
        if isinstance(outcome, Assumed):
            _warn(outcome)
    if args.json:
        _print_json([_renewal_json(o) for o in outcomes])
    else:
        if not outcomes:
            print("Nothing is due: every session stsui holds has more than its renewal window left.")
        for o in outcomes:
            if isinstance(o, Assumed):
                left = _time_left(o.session.expiration, engine.clock())
                print(f"{o.role.name}: renewed profile '{o.profile}' ({left} left)")
            else:
                print(f"stsui: {o.error}", file=sys.stderr)
    return 1 if any(isinstance(o, Failed) for o in outcomes) else 0


def _renewal_json(outcome: Assumed | Failed) -> dict[str, object]:
    if isinstance(outcome, Assumed):
        return {
            "name": outcome.role.name,
            "ok": True,
            "profile": outcome.profile,
            "expires_at": rfc3339(outcome.session.expiration),
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


def cmd_forget(args: argparse.Namespace) -> int:
    if args.name is None and not args.mfa:
        raise UsageError("forget needs a role NAME, or --mfa to drop the cached MFA sessions.")
    engine = load_engine(args.config, required=args.name is not None)
    if args.mfa:
        count = engine.forget_mfa()
        print(f"Dropped {count} cached MFA session{'s' if count != 1 else ''}.")
    if args.name is not None:
        role = engine.config.role(args.name)
        if engine.forget(role):
            print(f"{role.name}: removed profile '{role.profile}' from {engine.store.path}.")
        else:
            print(f"{role.name}: profile '{role.profile}' is not in {engine.store.path}; nothing to remove.")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from stsui.config.starter import write_starter
    from stsui.domain.paths import config_path

    path = config_path(args.config)
    write_starter(path)
    print(f"Wrote a starter roles file to {path}; edit it, then run 'stsui'.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from stsui.config.importer import append_roles, import_roles, render_roles

    aws_config = _aws_config_path(args.aws_config)
    try:
        text = aws_config.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot read the AWS config file {aws_config}: {error.strerror}.") from None
    path, existing = load_roles_file(args.config, required=args.write)
    roles, skipped = import_roles(text, set(existing))
    for reason in skipped:
        print(f"stsui: skipped {reason}", file=sys.stderr)
    if not roles:
        print(f"No new role profiles in {aws_config}.", file=sys.stderr)
        return 0
    rendered = render_roles(roles)
    if args.write:
        append_roles(path, rendered)
        print(f"Added {len(roles)} role{'s' if len(roles) != 1 else ''} to {path}.")
    else:
        sys.stdout.write(rendered)
    return 0


def _aws_config_path(explicit: str | None) -> Path:
    from stsui.domain.paths import aws_config_path

    return Path(explicit).expanduser() if explicit else aws_config_path()
