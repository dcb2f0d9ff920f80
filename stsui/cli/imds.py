"""`stsui imds NAME`: one role served as EC2's instance metadata (IMDSv2), for containers on any network."""

from __future__ import annotations

import argparse
import contextlib
import errno
import signal
import sys
import threading
from dataclasses import replace

from stsui.cli.shared import add_mfa_code_option, add_port_option, obtain, warn
from stsui.cli.wiring import load_engine
from stsui.domain.errors import StsuiError

DEFAULT_BIND = "127.0.0.1"


def _log(line: str) -> None:
    print(f"stsui imds: {line}", file=sys.stderr, flush=True)


def cmd_imds(args: argparse.Namespace) -> int:
    from stsui.agent.desktop import NeedsYou
    from stsui.agent.http_server import CannotListen
    from stsui.agent.imds import ImdsServer, check_bind, endpoint, served_over_imds
    from stsui.agent.registry import PortClaim, port_holder
    from stsui.agent.runtime import Agent
    from stsui.agent.sessions import Event
    from stsui.domain.paths import cache_dir
    from stsui.domain.threads import leaving_signals_to_main

    check_bind(args.bind)  # a usage error before anything is read or asked
    engine = load_engine(args.config)
    role = served_over_imds(engine.config.role(args.name))
    engine.config = replace(engine.config, roles={**engine.config.roles, role.name: role})
    warn(obtain(engine, role, args.mfa_code))  # an MFA code is asked for now, never per request
    engine.codes.terminal = False  # from now on renewals run in the background
    engine.codes.tell = _log

    def on_event(event: Event) -> None:
        _log(event.line())

    agent = Agent(
        engine,
        roles={role.name},
        register=False,
        on_event=on_event,
        needs_you=NeedsYou(cache_dir()),
        server=lambda sessions: ImdsServer(sessions, role.name, host=args.bind, port=args.port),
    )
    with contextlib.ExitStack() as running:
        try:
            with leaving_signals_to_main():  # else a signal taken by a server thread never ends `stop.wait()`
                agent.start()
        except CannotListen as error:
            holder = port_holder(args.port) if error.errno == errno.EADDRINUSE else None
            if holder is None:
                raise
            raise StsuiError(
                f"Port {args.port} is in use by {holder}; stop it or choose another --port."
            ) from None
        running.callback(agent.stop)
        claim = PortClaim(int(agent.url.rsplit(":", 1)[1]))
        claim.acquire(agent.url, f"stsui imds {role.name}")
        running.callback(claim.release)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda number, frame: stop.set())
        _log(
            f"serving role '{role.name}' as instance metadata at {agent.url}; point the SDKs at it with "
            f"AWS_EC2_METADATA_SERVICE_ENDPOINT={endpoint(agent.url)} (Ctrl-C stops)."
        )
        stop.wait()
    _log("stopped.")
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "imds", help="serve one role as EC2's instance metadata (IMDSv2), for containers on any network"
    )
    cmd.add_argument("name", help="the role's name in the roles file")
    add_port_option(cmd, help="listen on this port (default: a free one)")
    cmd.add_argument(
        "--bind",
        metavar="ADDR",
        default=DEFAULT_BIND,
        help=f"an address of this machine to listen on, such as the Docker bridge's 172.17.0.1 "
        f"(default: {DEFAULT_BIND})",
    )
    add_mfa_code_option(cmd)
    cmd.set_defaults(handler=cmd_imds)
