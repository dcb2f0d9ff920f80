"""`stsui profiles sync`: IDE-ready `credential_process` profiles in `~/.aws/config`, one per role."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from stsui.cli.running import roles_file_option, running_stsui
from stsui.cli.shared import print_warnings
from stsui.cli.wiring import load_engine
from stsui.domain.errors import UsageError
from stsui.domain.synced_profiles import DEFAULT_PREFIX, prefix_problem

if TYPE_CHECKING:
    from stsui.store.aws_config_file import SyncReport


def refuse_a_synced_profile(profile: str) -> None:
    """A usage error when `profile` is one `profiles sync` wrote to `~/.aws/config`: static keys written
    under its name would shadow its `credential_process` (botocore reads them first), and still be read
    once they expired."""
    from stsui.domain.errors import AwsConfigError
    from stsui.domain.paths import aws_config_path
    from stsui.store.aws_config_file import AwsConfigFile

    config = AwsConfigFile(aws_config_path())
    try:
        role = config.synced().get(profile)
    except AwsConfigError:
        return  # botocore cannot read that file either: no profile of it is used
    if role is not None:
        raise UsageError(
            f"Profile '{profile}' is the credential_process profile `stsui profiles sync` wrote in "
            f"{config.path} for role '{role}', and keys written under its name would be read before it "
            "(even expired); pick another --profile, or --force."
        )


def cmd_profiles_sync(args: argparse.Namespace) -> int:
    from stsui.domain.paths import aws_config_path
    from stsui.domain.synced_profiles import wanted_profiles
    from stsui.store.aws_config_file import AwsConfigFile

    problem = prefix_problem(args.prefix)
    if problem:
        raise UsageError(f"--prefix {args.prefix!r}: {problem}.")
    config = AwsConfigFile(aws_config_path())
    if args.remove:
        report = config.sync([], dry_run=args.dry_run)
    else:
        engine = load_engine(args.config)
        wanted, skipped = wanted_profiles(
            engine.config.roles.values(),
            prefix=args.prefix,
            command=running_stsui(),
            roles_file=roles_file_option(engine.config.path),
            static=engine.store.profiles_with_keys(),
        )
        report = config.sync(wanted, dry_run=args.dry_run)
        report.skipped[:0] = skipped
    _print(report, config.path, dry_run=args.dry_run)
    return 0


def _print(report: SyncReport, path: Path, *, dry_run: bool) -> None:
    """One line per profile changed (stdout), a warning per profile skipped (stderr), then the counts."""
    changes = (("add", "added", report.added), ("update", "updated", report.updated))
    for verb, done, names in (*changes, ("remove", "removed", report.removed)):
        for name in names:
            print(f"would {verb} profile {name}" if dry_run else f"{done} profile {name}")
    for skip in report.skipped:
        print_warnings(f"skipped profile {skip.name} (role {skip.role}): {skip.reason}.")
    counts = (
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
    )
    print(f"{path}: {counts}" + (" (dry run: nothing was written)." if dry_run else "."))


def cmd_profiles(args: argparse.Namespace) -> int:
    return int(args.profiles_handler(args))


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        "profiles", help="credential_process profiles in ~/.aws/config for IDEs and SDKs"
    )
    cmd.set_defaults(handler=cmd_profiles)
    actions = cmd.add_subparsers(
        dest="profiles_command", metavar="ACTION", parser_class=type(cmd), required=True
    )
    sync = actions.add_parser(
        "sync", help="one credential_process profile per role in ~/.aws/config; removed roles lose theirs"
    )
    sync.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        help=f"start every profile's name with this (default: {DEFAULT_PREFIX!r}; never the name of a "
        "profile `assume` writes static keys to)",
    )
    sync.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    sync.add_argument("--remove", action="store_true", help="remove every profile stsui synced")
    sync.set_defaults(profiles_handler=cmd_profiles_sync)
