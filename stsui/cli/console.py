"""`stsui console`: the AWS web console, signed in as a role (or as the base identity with `--base`)."""

from __future__ import annotations

import argparse
import sys

from stsui.cli.confirm import add_yes_option, confirm
from stsui.cli.shared import add_mfa_code_option, add_region_option, obtain, took, warn
from stsui.cli.wiring import load_engine
from stsui.domain.errors import UsageError


def cmd_console(args: argparse.Namespace) -> int:
    from stsui.aws.federation import federation_endpoint
    from stsui.engine.console import base_target, role_target, sign_in_as_base, sign_in_as_role

    engine = load_engine(args.config)
    if args.base == (args.name is not None):
        raise UsageError("Name one role (stsui console NAME) or pass --base, not both and not neither.")
    if args.base:
        if args.mfa_code is not None:
            raise UsageError("--mfa-code is for a role's console; --base signs in with the base keys.")
        target = base_target(engine.config, destination=args.destination, region=args.region)
        federation_endpoint(target.partition)  # STSUI_SIGNIN_URL checked before any request
        login = sign_in_as_base(engine, target)
    else:
        role = engine.config.role(args.name)
        target = role_target(role, destination=args.destination, region=args.region)
        federation_endpoint(target.partition)
        confirm([role], verb="open the console of", yes=args.yes)
        outcome = obtain(engine, role, args.mfa_code)
        warn(outcome)
        took(engine, [role])
        if args.region is None and outcome.session.region:  # the session's own region, when it has one
            target = role_target(role, destination=args.destination, region=outcome.session.region)
        login = sign_in_as_role(engine, role, outcome.session, target)
    if args.print:
        print(login.url)
        print(f"stsui: {login.summary()} The link signs in for 15 minutes: keep it secret.", file=sys.stderr)
        return 0
    from stsui.domain.console_open import BASE_NAME
    from stsui.engine.browser import open_console

    if args.base:
        mode, name, color = engine.config.console_open, BASE_NAME, None
    else:
        mode, name, color = role.console_open, role.name, role.color
    open_console(login.url, mode=mode, name=name, color=color, who=login.target.who)
    print(f"stsui: opened the {login.summary()}", file=sys.stderr)
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("console", help="open the AWS console in your browser, signed in as a role")
    cmd.add_argument("name", nargs="?", help="the role's name in the roles file")
    cmd.add_argument(
        "--print", action="store_true", help="print the sign-in link (a secret for 15 minutes); open nothing"
    )
    cmd.add_argument(
        "--destination",
        metavar="URL|SERVICE",
        help="a console URL or a service name like s3, ec2 (default: the console home)",
    )
    add_region_option(cmd, "the console's")
    add_mfa_code_option(cmd)
    add_yes_option(cmd)
    cmd.add_argument(
        "--base",
        action="store_true",
        help="sign in as the base identity's IAM user (GetFederationToken; see console_policy)",
    )
    cmd.set_defaults(handler=cmd_console)
