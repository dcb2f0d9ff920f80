"""One function per command. Each returns an exit code or raises StsuiError."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Mapping
from pathlib import Path

from stsui.cli.confirm import confirm
from stsui.cli.shared import (
    mfa_code,
    obtain,
    print_json,
    print_objects,
    print_warnings,
    role_rows,
    time_left,
    took,
    warn,
)
from stsui.cli.wiring import load_engine, load_roles
from stsui.domain.collector import building
from stsui.domain.errors import UsageError
from stsui.domain.frecency import Recents
from stsui.domain.limits import CHAINED_MAX_DURATION
from stsui.domain.model import Config, Role, Status
from stsui.domain.times import rfc3339
from stsui.engine.engine import Engine

# -- commands --------------------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, interactive=False)  # the terminal is the TUI's
    from stsui.tui.app import run_tui

    return run_tui(engine, serve=not args.no_serve)


def cmd_demo(args: argparse.Namespace) -> int:
    from stsui.cli.demo import run_demo

    return run_demo()


def cmd_list(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, required=not args.all)
    if args.all:
        from stsui.cli.list_all import print_all

        return print_all(engine, as_json=args.json)
    with building():
        return _print_list(engine, as_json=args.json, recent=args.sort == "recent")


def _recent_order(engine: Engine) -> list[str]:
    """The roles' names as `--sort recent` (and the TUI's "recent first") lists them."""
    from stsui.domain.frecency import recent_order
    from stsui.domain.roster import Roster

    recents, warning = engine.recents.read()
    print_warnings(warning)
    roster = Roster.of(engine.config.roles)
    return recent_order(roster.names, recents, engine.clock(), roster.position, roster)


def _print_list(engine: Engine, *, as_json: bool, recent: bool = False) -> int:
    rows = role_rows(engine, _recent_order(engine) if recent else None)
    now = engine.clock()
    if as_json:
        print_objects(
            {
                "name": role.name,
                "role_arn": role.role_arn,
                "account": role.account,
                "role": role.role_short_name,
                "profile": role.profile,
                "group": role.group,
                "color": role.color,
                "confirm": role.confirm,
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
        (r.name, r.account, r.role_short_name, r.profile, _status_text(r, s), time_left(e, now))
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


def cmd_whoami(args: argparse.Namespace) -> int:
    engine = load_engine(args.config, required=False)
    identity = engine.base_identity(args.profile)
    if args.json:
        print_json({"UserId": identity.user_id, "Account": identity.account, "Arn": identity.arn})
    else:
        print(f"UserId   {identity.user_id}\nAccount  {identity.account}\nArn      {identity.arn}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    from stsui.domain.exports import env_lines

    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    region = None if args.region is None else engine.check_region(role, args.region)
    confirm([role], verb="export the keys of", yes=args.yes)
    outcome = engine.obtain(role, mfa_code=mfa_code(engine, role, args.mfa_code), region=region)
    warn(outcome)
    took(engine, [role])
    sys.stdout.write(env_lines(outcome.session, args.shell))
    return 0


def cmd_credential_process(args: argparse.Namespace) -> int:
    from stsui.domain.exports import credential_process_json

    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    outcome = obtain(engine, role, None, may_prompt=False)
    warn(outcome)
    print(credential_process_json(outcome.session))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    """Pin roles (first in recent order, in the TUI and `list --sort recent`), unpin them with `--remove`, or
    list the pins."""
    engine = load_engine(args.config)
    roles = [engine.config.role(name) for name in args.names]  # unknown names: a sentence, exit 2
    names = [role.name for role in roles]

    def change(recents: Recents) -> Recents:
        for name in names:
            if recents.pinned(name) == args.remove:
                recents = recents.toggled(name)
        return recents

    recents, warning = engine.recents.update(change) if names else engine.recents.read()
    print_warnings(warning)
    for name in names:
        print(f"{name}: {'pinned' if recents.pinned(name) else 'not pinned'}.")
    if not names:
        for name in recents.pins:
            if name in engine.config.roles:
                print(name)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from stsui.config.starter import write_starter
    from stsui.domain.paths import config_path

    path = config_path(args.config)
    write_starter(path)
    print(f"Wrote a starter roles file to {path}; edit it, then run 'stsui'.")
    return 0


def _file_roles(config: Config) -> Mapping[str, Role]:
    """The roles the roles file names itself (not those discovered through IAM Identity Center)."""
    if not config.sso:
        return config.roles
    from stsui.engine.discovered_roles import configured_roles

    return configured_roles(config)


def cmd_import(args: argparse.Namespace) -> int:
    from stsui.config.importer import append_roles, create_roles_file, import_roles, import_sso, render_roles
    from stsui.domain.paths import config_path

    aws_config = _aws_config_path(args.aws_config)
    try:
        text = aws_config.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot read the AWS config file {aws_config}: {error.strerror}.") from None
    path = config_path(args.config)
    config = load_roles(path) if path.exists() else None
    roles, skipped = import_roles(text, set(_file_roles(config)) if config else set())
    known = config.sso if config else {}
    instances, sso_skipped = import_sso(text, known, {instance.start_url for instance in known.values()})
    for reason in [*sso_skipped, *skipped]:
        print(f"stsui: skipped {reason}", file=sys.stderr)
    if not roles and not instances:
        print(f"No new role profiles or sso-sessions in {aws_config}.", file=sys.stderr)
        return 0
    rendered = render_roles(roles, instances)
    if not args.write:
        sys.stdout.write(rendered)
        return 0
    if config is None:
        create_roles_file(path, rendered)
    else:
        append_roles(path, rendered)
    counts = [f"{len(roles)} role{'s' if len(roles) != 1 else ''}"] if roles else []
    if instances:
        counts.append(f"{len(instances)} IAM Identity Center instance{'s' if len(instances) != 1 else ''}")
    done = f"Created {path} with" if config is None else "Added"
    print(f"{done} {' and '.join(counts)}{'' if config is None else f' to {path}'}.")
    for name in instances:
        print(f"Imported sso-session {name} as [sso.{name}]: run 'stsui sso login {name}' to find its roles.")
    return 0


def _aws_config_path(explicit: str | None) -> Path:
    from stsui.domain.paths import aws_config_path

    return Path(explicit).expanduser() if explicit else aws_config_path()
