"""`stsui keys`: long-term IAM keys in the OS keyring (add, list, remove, rotate, use).

A secret is never an argument: `keys add` asks for it without echo on a terminal, reads it from stdin
otherwise, or takes it from a credentials-file profile.
"""

from __future__ import annotations

import argparse
import sys

from stsui.cli.shared import add_mfa_code_option, ask_mfa_code, print_warnings
from stsui.cli.wiring import load_engine
from stsui.domain.errors import UsageError
from stsui.domain.model import AccessKey
from stsui.domain.times import rfc3339
from stsui.engine.engine import Engine
from stsui.engine.keys import (
    add_key,
    checked_key,
    checked_name,
    roles_using,
    roles_using_profile,
)
from stsui.store.os_keyring import OsKeyring

SECRET_INPUT_LIMIT = 4096
"""The most `keys add` reads from a piped stdin (two short lines)."""


def _engine(args: argparse.Namespace) -> tuple[Engine, OsKeyring]:
    engine = load_engine(args.config, required=False)
    store = OsKeyring()
    engine.keys = store
    return engine, store


def _ask(name: str) -> tuple[str, str]:
    """The access key id and secret: asked on the terminal (the secret without echo), else two lines of
    stdin."""
    if sys.stdin.isatty():
        import getpass

        print(f"Access key id for '{name}': ", end="", file=sys.stderr, flush=True)
        key_id = sys.stdin.readline().strip()
        secret = getpass.getpass("Secret access key (not shown): ", stream=sys.stderr).strip()
        return key_id, secret
    lines = sys.stdin.read(SECRET_INPUT_LIMIT).splitlines()
    if len(lines) < 2:
        raise UsageError(
            "stdin is not a terminal, so stsui reads the access key id and the secret access key from it, "
            "one per line; it got fewer than two lines. Nothing was stored."
        )
    return lines[0].strip(), lines[1].strip()


def cmd_add(args: argparse.Namespace) -> int:
    name = checked_name(args.name)
    if args.remove_profile and not args.from_profile:
        raise UsageError(
            "--remove-profile removes the profile the keys came from: pass --from-profile P too."
        )
    engine, store = _engine(args)
    if store.find(name) is not None:
        raise UsageError(
            f"A key named '{name}' is already in the OS keyring; 'stsui keys rotate {name}' replaces it with "
            f"a new one, or run 'stsui keys remove {name}' first."
        )
    if args.from_profile:
        key_id, secret = engine.store.long_term_keys(args.from_profile)
    else:
        key_id, secret = _ask(name)
    key = checked_key(name, key_id, secret)
    added = add_key(engine, store, key)
    print_warnings(*added.warnings)
    held = OsKeyring().get(name)  # a fresh read: the keyring itself holds the keys, not this process
    if held.key != key:
        raise UsageError(
            f"The OS keyring did not keep key '{name}' as stored; the profile was left as it is."
        )
    info = added.stored.info
    print(
        f"Stored key '{name}' ({info.access_key_id}, {info.user_arn}) in the OS keyring "
        f"({store.backend_name()})."
    )
    if args.remove_profile:
        _remove_profile(engine, args.from_profile, key)
    return 0


def _remove_profile(engine: Engine, profile: str, key: AccessKey) -> None:
    path = engine.store.path
    if engine.store.remove_long_term_keys(profile, key.access_key_id):
        print(f"Removed the keys of profile '{profile}' from {path}; everything else in it is as it was.")
    using = roles_using_profile(engine.config, profile)
    if using:
        print(
            f"stsui: note: {_names(using)} still use source_profile '{profile}'; "
            f"'stsui keys use {key.name}' makes the keyring's key their base identity.",
            file=sys.stderr,
        )


def _names(roles: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in roles[:5])
    more = f" and {len(roles) - 5} more" if len(roles) > 5 else ""
    return f"role{'s' if len(roles) != 1 else ''} {shown}{more}"


def cmd_list(args: argparse.Namespace) -> int:
    engine, store = _engine(args)
    now = engine.clock()
    infos = store.infos()
    if args.json:
        import json

        rows = [
            {
                "name": info.name,
                "access_key_id": info.access_key_id,
                "user_arn": info.user_arn,
                "added_at": rfc3339(info.added_at),
                "age_days": info.age(now).days,
                "rotation_due": info.rotation_due(now),
                "old_key_id": info.old_key_id,
            }
            for info in infos
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not infos:
        print("No keys in the OS keyring; add one with 'stsui keys add NAME'.")
        return 0
    table = [("NAME", "ACCESS KEY", "USER", "ADDED", "AGE", "")]
    for info in infos:
        notes = []
        if info.rotation_due(now):
            notes.append(f"older than 90 days: stsui keys rotate {info.name}")
        if info.old_key_id:
            notes.append(f"old key {info.old_key_id} still to delete: stsui keys rotate {info.name}")
        added = info.added_at.strftime("%Y-%m-%d")
        table.append(
            (info.name, info.access_key_id, info.user_arn, added, f"{info.age(now).days}d", "; ".join(notes))
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    name = checked_name(args.name)
    engine, store = _engine(args)
    info = store.remove(name)
    which = f" ({info.access_key_id})" if info is not None else ""
    print(
        f"Removed key '{name}'{which} from the OS keyring. It still works in IAM: deactivate or delete it "
        "there once nothing else uses it."
    )
    using = roles_using(engine.config, name)
    if using:
        print(
            f"stsui: note: {_names(using)} use source_keys = '{name}' and cannot be assumed now.",
            file=sys.stderr,
        )
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from stsui.aws.iam import BotoIam
    from stsui.engine.rotation import Rotation, mfa_role

    name = checked_name(args.name)
    code: str | None = args.mfa_code
    engine, store = _engine(args)
    store.get(name)  # a missing key is said before any question
    role = mfa_role(engine, name)
    if role is not None and code is None and role.mfa_process is None and not engine.has_mfa_session(role):
        code = ask_mfa_code(role.mfa_serial or "", who="Rotating")
    rotated = Rotation(engine, store, BotoIam()).rotate(name, mfa_code=code)
    deleted = ", ".join(rotated.deleted)
    print(
        f"Rotated key '{name}': it is now {rotated.new_key_id}, stored in the OS keyring; "
        f"deleted {deleted} in IAM."
    )
    return 0


def cmd_use(args: argparse.Namespace) -> int:
    """`[defaults] source_keys = NAME` in the roles file, written under its lock, every other byte kept."""
    from stsui.config.base_edit import use_keys
    from stsui.config.load import read_roles_file
    from stsui.domain.paths import config_path
    from stsui.store.atomic import locked_file

    name = checked_name(args.name)
    OsKeyring().get(name)  # only a key the keyring holds
    path = config_path(args.config)
    read_roles_file(path)  # a missing or unreadable roles file is said as every command says it
    with locked_file(path, timeout=10.0) as file:
        raw = file.read_bytes() or b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"The roles file {path} is not UTF-8 text; stsui will not edit it.") from None
        before, after, edited = use_keys(text, path, name)
        if edited != text:
            file.write_bytes(edited.encode("utf-8"))
    replaced = f" instead of source_profile '{before.source_profile}'" if before.source_profile else ""
    print(f'{path}: [defaults] source_keys = "{name}"{replaced}; the roles\' base identity is that key now.')
    own = [role.name for role in after.roles.values() if role.source_profile is not None]
    if own:
        print(f"stsui: note: {_names(own)} keep their own source_profile.", file=sys.stderr)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    return int(args.keys_handler(args))


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser("keys", help="long-term IAM keys in the OS keyring: add, list, remove, rotate")
    cmd.set_defaults(handler=cmd_keys)
    actions = cmd.add_subparsers(dest="keys_command", metavar="ACTION", parser_class=type(cmd), required=True)

    add = actions.add_parser(
        "add", help="store an IAM user's keys (asked for on the terminal, or read from stdin), checked first"
    )
    add.add_argument("name", help="the key's name: source_keys = NAME in the roles file")
    add.add_argument("--from-profile", metavar="P", help="take the keys from this credentials-file profile")
    add.add_argument(
        "--remove-profile",
        action="store_true",
        help="then remove those keys from the credentials file (every other byte stays)",
    )
    add.set_defaults(keys_handler=cmd_add)

    listing = actions.add_parser("list", help="every key: access key id, IAM user, when added, age")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(keys_handler=cmd_list)

    rotate = actions.add_parser(
        "rotate", help="a new access key for the key's IAM user, stored, checked, and the old one deleted"
    )
    rotate.add_argument("name")
    add_mfa_code_option(rotate)
    rotate.set_defaults(keys_handler=cmd_rotate)

    use = actions.add_parser(
        "use", help="make a key the base identity: [defaults] source_keys in the roles file"
    )
    use.add_argument("name")
    use.set_defaults(keys_handler=cmd_use)

    remove = actions.add_parser("remove", help="delete a key from the OS keyring (not from IAM)")
    remove.add_argument("name")
    remove.set_defaults(keys_handler=cmd_remove)
