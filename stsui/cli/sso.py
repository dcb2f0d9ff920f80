"""`stsui sso login | logout | sync`: IAM Identity Center from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from stsui.cli.wiring import load_engine
from stsui.domain.errors import UsageError
from stsui.domain.limits import PORTAL_RATE
from stsui.domain.printable import printable
from stsui.domain.suggest import did_you_mean
from stsui.domain.times import rfc3339

if TYPE_CHECKING:
    from stsui.domain.sso import DeviceAuthorization, SsoInstance
    from stsui.engine.engine import Engine
    from stsui.engine.sso_logins import SsoLogins
    from stsui.store.sso_cache import DiscoveryCache


def _instances(engine: Engine, name: str | None) -> list[SsoInstance]:
    instances = engine.config.sso
    if not instances:
        raise UsageError(
            f"No IAM Identity Center instance in {engine.config.path}; add an [sso.NAME] table with "
            "start_url and region."
        )
    if name is None:
        return list(instances.values())
    if name not in instances:
        raise UsageError(
            f"No [sso.{printable(name, 64)}] in {engine.config.path}{did_you_mean(name, instances)}."
        )
    return [instances[name]]


def _logins(engine: Engine) -> SsoLogins:
    assert engine.sso is not None  # load_engine builds it whenever the file has [sso.*]
    return engine.sso


def _show(instance: SsoInstance, no_browser: bool) -> Any:
    def show(device: DeviceAuthorization) -> None:
        code = printable(device.user_code, 32)
        if device.untrusted:
            print(f"{device.untrusted} The code to enter there: {code}.", file=sys.stderr)
        elif no_browser:
            print(
                f"Signing in to IAM Identity Center '{instance.name}': open "
                f"{printable(device.verification_uri, 300)} on any device and enter the code {code}.",
                file=sys.stderr,
            )
        else:
            print(
                f"Signing in to IAM Identity Center '{instance.name}' in your browser: confirm that it shows "
                f"the code {code}.",
                file=sys.stderr,
            )

    return show


def _opener(no_browser: bool, instance: SsoInstance) -> Any:
    def open_browser(url: str) -> None:
        if no_browser:
            return
        import webbrowser  # honours $BROWSER

        if not webbrowser.open(url):
            print(
                f"No browser could be opened; run 'stsui sso login {instance.name} --no-browser' to sign in "
                "from another device.",
                file=sys.stderr,
            )

    return open_browser


def cmd_login(args: argparse.Namespace) -> int:
    from stsui.engine.discovered_roles import default_discovery_cache

    engine = load_engine(args.config)
    logins = _logins(engine)
    for instance in _instances(engine, args.name):
        token = None if args.force else logins.renew(instance)
        if token is None:
            token = logins.login(
                instance,
                show=_show(instance, args.no_browser),
                open_browser=_opener(args.no_browser, instance),
            )
        print(f"{instance.name}: logged in to IAM Identity Center until {rfc3339(token.expires_at)}.")
        cache = default_discovery_cache()
        _roles, synced = cache.get(instance.name, instance.start_url)
        if synced is None and not args.no_sync:
            _sync_one(engine, instance, cache)
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    engine = load_engine(args.config)
    logins = _logins(engine)
    for instance in _instances(engine, args.name):
        removed = logins.logout(instance)
        dropped = sum(
            engine.sessions.delete(role.name)
            for role in engine.config.roles.values()
            if role.sso is not None and role.sso.sso == instance.name
        )
        what = "removed the login" if removed else "no login was cached"
        print(f"{instance.name}: {what}; dropped {dropped} cached role session{'s' if dropped != 1 else ''}.")
    return 0


def _sync_one(
    engine: Engine, instance: SsoInstance, cache: DiscoveryCache, rate: float = PORTAL_RATE
) -> dict[str, Any]:
    from stsui.engine.role_discovery import Discoverer, sync

    discoverer = Discoverer(_logins(engine), rate=rate)
    before = {
        (r.account_id, r.role_name) for r in cache.get(instance.name, instance.start_url)[0] if not r.gone
    }
    roles, found = sync(instance, discoverer, cache, progress=_progress(instance))
    live = [r for r in roles if not r.gone]
    summary = {
        "sso": instance.name,
        "accounts": len({r.account_id for r in live}),
        "roles": len(live),
        "new": len({(r.account_id, r.role_name) for r in found.roles} - before),
        "gone": sum(1 for r in roles if r.gone),
        "failed_accounts": sorted(found.failed_accounts),
        "dropped": found.dropped,
    }
    print(
        f"{instance.name}: {summary['roles']} roles in {summary['accounts']} accounts "
        f"({summary['new']} new, {summary['gone']} gone)"
        + (
            f"; could not list the roles of {len(found.failed_accounts)} accounts (kept as before)"
            if found.failed_accounts
            else ""
        )
        + ".",
        file=sys.stderr,
    )
    note = found.dropped_note(instance)
    if note:
        print(note, file=sys.stderr)
    return summary


def _progress(instance: SsoInstance) -> Any:
    """Accounts listed so far, on one terminal line (nothing when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{instance.name}: listed the roles of {done}/{total} accounts", end=end, file=sys.stderr)

    return show


def cmd_sync(args: argparse.Namespace) -> int:
    from stsui.engine.discovered_roles import default_discovery_cache

    engine = load_engine(args.config)
    cache = default_discovery_cache()
    summaries = [_sync_one(engine, instance, cache, args.rate) for instance in _instances(engine, args.name)]
    if args.json:
        print(json.dumps(summaries, indent=2))
    return 0


def cmd_sso(args: argparse.Namespace) -> int:
    """`stsui sso ACTION`: run the action's own handler."""
    return int(args.sso_handler(args))


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 10_000:
        raise argparse.ArgumentTypeError(f"must be a number of requests per second above 0, not {text!r}")
    return rate


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("sso", help="IAM Identity Center: login, logout, sync")
    cmd.set_defaults(handler=cmd_sso)
    actions = cmd.add_subparsers(dest="sso_command", metavar="ACTION", parser_class=type(cmd), required=True)

    login = actions.add_parser("login", help="sign in (device code in the browser); reused by the AWS CLI")
    login.add_argument("name", nargs="?", help="the [sso.NAME] to sign in to (default: every one)")
    login.add_argument("--no-browser", action="store_true", help="print the page to open instead")
    login.add_argument("--force", action="store_true", help="sign in again even if the login is valid")
    login.add_argument("--no-sync", action="store_true", help="do not discover roles after the first login")
    login.set_defaults(sso_handler=cmd_login)

    logout = actions.add_parser("logout", help="remove the login and the cached role sessions")
    logout.add_argument("name", nargs="?", help="the [sso.NAME] (default: every one)")
    logout.set_defaults(sso_handler=cmd_logout)

    sync_cmd = actions.add_parser("sync", help="discover the accounts and roles you may use")
    sync_cmd.add_argument("name", nargs="?", help="the [sso.NAME] (default: every one)")
    sync_cmd.add_argument("--json", action="store_true", help="print JSON")
    sync_cmd.add_argument(
        "--rate",
        type=_rate,
        default=PORTAL_RATE,
        help=f"portal requests per second (default {PORTAL_RATE:g})",
    )
    sync_cmd.set_defaults(sso_handler=cmd_sync)
