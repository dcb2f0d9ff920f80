"""`stsui exec` and `stsui serve`: sessions that outlive the terminal."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from stsui.cli.confirm import add_yes_option, confirm
from stsui.cli.shared import add_mfa_code_option, add_port_option, add_region_option, obtain, took, warn
from stsui.cli.wiring import load_engine
from stsui.domain.errors import UsageError


def cmd_exec(args: argparse.Namespace) -> int:
    from stsui.agent.child import EXEC_MARKER, keys_environment, server_environment
    from stsui.agent.command import run_child, signals_held
    from stsui.domain.paths import aws_config_path, runtime_dir

    command = list(args.argv or ())
    if not command:
        raise UsageError("exec needs a command after the role: stsui exec NAME -- COMMAND [ARG...].")
    if os.environ.get(EXEC_MARKER) and not args.force:
        raise UsageError(
            f"This shell already runs inside 'stsui exec' (as role '{os.environ.get('STSUI_ROLE', '?')}'); "
            "exit it first, or pass --force to nest."
        )
    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    chosen = None if args.region is None else engine.check_region(role, args.region)
    confirm([role], verb="run a command as", yes=args.yes)
    outcome = obtain(engine, role, args.mfa_code, region=chosen)
    warn(outcome)
    took(engine, [role])
    region = outcome.session.region
    engine.codes.terminal = False  # from now on the terminal is the command's (renewals run beside it)
    if args.no_server:
        env = keys_environment(os.environ, role.name, outcome.session.credentials, region)
        return run_child(command, env)

    from stsui.agent.config_copy import make_config_copy
    from stsui.agent.desktop import NeedsYou
    from stsui.agent.runtime import Agent
    from stsui.domain.paths import cache_dir

    with contextlib.ExitStack() as cleanup:
        cleanup.enter_context(signals_held())  # before the server's threads start: they inherit it
        # The child's own server: this role as this roles file defines it, on a port and with a token that
        # are the child's alone, for exactly as long as it runs (whatever the user's agent does meanwhile).
        agent = Agent(engine, roles={role.name}, register=False, needs_you=NeedsYou(cache_dir()))
        agent.start()
        cleanup.callback(agent.stop)
        copy = cleanup.enter_context(make_config_copy(runtime_dir(), aws_config_path(), region))
        url = agent.route(role.name)
        env = server_environment(os.environ, role.name, url, agent.token, region, copy)
        return run_child(command, env)


def _log(line: str) -> None:
    print(f"stsui serve: {line}", file=sys.stderr, flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from stsui.agent.runtime import Agent
    from stsui.agent.sessions import Event
    from stsui.domain.threads import leaving_signals_to_main

    engine = load_engine(args.config, interactive=False)  # an agent never waits on a terminal
    engine.codes.tell = _log

    def on_event(event: Event) -> None:
        _log(event.line())

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, frame: stop.set())
    from stsui.agent.desktop import NeedsYou
    from stsui.domain.paths import cache_dir

    agent = Agent(engine, port=args.port, on_event=on_event, needs_you=NeedsYou(cache_dir()))
    with leaving_signals_to_main():  # else a SIGTERM taken by a server thread never ends `stop.wait()`
        agent.start()
    try:
        _log(
            f"serving {len(engine.config.roles)} roles at {agent.route('NAME')} "
            f"(address and token in {agent.file}); Ctrl-C stops."
        )
        stop.wait()
    finally:
        agent.stop()
        _log("stopped.")
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("exec", help="run a command with a role's session, renewed while it runs")
    cmd.add_argument("name", help="the role's name in the roles file")
    cmd.add_argument("--no-server", action="store_true", help="pass plain keys in the environment instead")
    add_region_option(cmd, "the command's")
    add_mfa_code_option(cmd)
    add_yes_option(cmd)
    cmd.add_argument("--force", action="store_true", help="run even inside another 'stsui exec'")
    cmd.epilog = "The command follows '--': stsui exec NAME [OPTIONS] -- COMMAND [ARG...]."
    cmd.set_defaults(handler=cmd_exec)

    cmd = commands.add_parser("serve", help="serve every role's session to SDKs on loopback (the agent)")
    add_port_option(cmd, help="listen on this port of 127.0.0.1 (default: a free one)")
    cmd.set_defaults(handler=cmd_serve)
