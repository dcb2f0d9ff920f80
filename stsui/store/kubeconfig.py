"""A kubeconfig (`~/.kube/config`) with one cluster, user and context of stsui's merged in, and every other
entry, comment and the order kept.

ruamel.yaml's round trip (imported only here, when `stsui kubeconfig` runs) keeps comments, key order,
quoting and the file's own indentation; only the three entries named `name` change. An entry of that name
is stsui's when its user runs `eks-token` (`OWN_COMMAND`): then cluster, user and context are replaced in
place; any other entry of that name is another program's and is left alone unless forced. The file is
written as the credentials file is (`stsui.store.atomic`): a link is resolved first, the directory locked,
the file re-read under the lock and replaced atomically at 0600, and never over another program's change.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stsui.domain.errors import KubeconfigError, UnsafeFileError
from stsui.domain.printable import printable
from stsui.store import atomic

OWN_COMMAND = "eks-token"
"""The exec plugin argument that marks a user entry as stsui's."""
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
"""The exec API every kubectl from 1.11 to today reads without `interactiveMode` (v1 needs it, and kubectl
before 1.22 does not know it)."""
KINDS = ("clusters", "users", "contexts")
LOCK_TIMEOUT = 10.0


@dataclass(frozen=True)
class KubeEntry:
    """What `stsui kubeconfig` merges: a cluster, a user running stsui, and a context joining them, all
    three named `name`."""

    name: str
    server: str
    certificate_authority_data: str
    command: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Merged:
    """The file's new text and what changed in it."""

    text: str
    added: bool
    """True when the entries are new, False when stsui's own were updated."""
    current_context: str | None
    made_current: bool
    """True when the file had no current context and the new one became it."""


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap a long line (certificates, commands)
    return yaml


def _empty() -> Any:
    from ruamel.yaml.comments import CommentedMap

    document = CommentedMap()
    document.update(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [],
            "contexts": [],
            "users": [],
            "current-context": "",
            "preferences": {},
        }
    )
    return document


def _load(text: str, path: Path) -> tuple[Any, Any]:
    """(the document, a YAML dumper indented as the file is); KubeconfigError when it is no kubeconfig."""
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    if not text.strip():
        return _empty(), yaml
    mapping, offset = _indentation(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    try:
        document = yaml.load(text)
    except (YAMLError, ValueError, TypeError) as error:
        reason = printable(str(error).splitlines()[0] if str(error) else type(error).__name__, 120)
        raise KubeconfigError(
            f"{path} is not valid YAML ({reason}); fix it, or point KUBECONFIG at another file."
        ) from None
    if document is None:
        return _empty(), yaml
    if not hasattr(document, "items"):
        raise KubeconfigError(f"{path} is not a kubeconfig (its top level is not a mapping); fix it first.")
    for kind in KINDS:
        entries = document.get(kind)
        if entries is None:
            document[kind] = []
        elif not isinstance(entries, list) or not all(hasattr(e, "get") for e in entries):
            raise KubeconfigError(
                f"{path} is not a kubeconfig ({kind} is not a list of entries); fix it first."
            )
    return document, yaml


_KEY = re.compile(r"( *)(- )?[^\s#:-][^:#]*:\s*(#.*)?$")
_DASH = re.compile(r"( *)- ")


def _indentation(text: str) -> tuple[int, int]:
    """(how far a nested mapping is indented, how far a list's dash is from its key) in `text`: kubectl
    writes (2, 0), many hand-written files (2, 2); the dump keeps the file's own."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    dash = next((m for m in map(_DASH.match, lines) if m), None)
    offset = 0
    mapping = 2
    for line, following in itertools.pairwise(lines):
        key = _KEY.match(line)
        if key is None or _DASH.match(following):
            continue
        own = len(key.group(1)) + (2 if key.group(2) else 0)
        step = len(following) - len(following.lstrip(" ")) - own
        if step > 0:
            mapping = step
            break
    if dash is not None:
        owner = next((lines[i - 1] for i, line in enumerate(lines) if i and _DASH.match(line)), "")
        offset = max(0, len(dash.group(1)) - (len(owner) - len(owner.lstrip(" "))))
    return mapping, offset


def _named(entries: list[Any], name: str) -> int | None:
    return next((i for i, entry in enumerate(entries) if entry.get("name") == name), None)


def is_own_user(entry: Any) -> bool:
    """Whether a `users` entry is one stsui wrote: its exec plugin runs `eks-token`."""
    user: Any = entry.get("user")
    plugin: Any = user.get("exec") if hasattr(user, "get") else None
    args: Any = plugin.get("args") if hasattr(plugin, "get") else None
    return isinstance(args, list) and OWN_COMMAND in args


def merge(text: str, entry: KubeEntry, path: Path, *, force: bool = False) -> Merged:
    """`text` (a kubeconfig read from `path`) with `entry`'s cluster, user and context merged in.
    KubeconfigError when another program's entry has that name (unless `force`)."""
    document, yaml = _load(text, path)
    users = document["users"]
    own = (index := _named(users, entry.name)) is not None and is_own_user(users[index])
    taken = [kind[:-1] for kind in KINDS if _named(document[kind], entry.name) is not None]
    if taken and not own and not force:
        raise KubeconfigError(
            f"{path} already has a {', '.join(taken)} named '{printable(entry.name, 100)}' that stsui "
            "did not write; choose another name with --context, or replace it with --force."
        )
    for kind, value in zip(KINDS, _entries(entry), strict=True):
        entries = document[kind]
        index = _named(entries, entry.name)
        if index is None:
            entries.append(value)
        else:
            entries[index] = value
    current = document.get("current-context") or None
    made_current = current is None
    if made_current:
        document["current-context"] = entry.name
        current = entry.name
    out = io.StringIO()
    yaml.dump(document, out)
    return Merged(out.getvalue(), not taken, current, made_current)


def _entries(entry: KubeEntry) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    cluster = {"certificate-authority-data": entry.certificate_authority_data, "server": entry.server}
    user = {"exec": {"apiVersion": EXEC_API_VERSION, "command": entry.command, "args": list(entry.args)}}
    context = {"cluster": entry.name, "user": entry.name}
    return (
        {"cluster": cluster, "name": entry.name},
        {"name": entry.name, "user": user},
        {"context": context, "name": entry.name},
    )


def write_merged(path: Path, make: Callable[[str], Merged]) -> Merged:
    """Merge into the kubeconfig at `path` under its directory's lock: `make` gets the current text (""
    for a new file) and returns the merged result, which replaces the file atomically at 0600."""
    try:
        with atomic.locked_file(path, timeout=LOCK_TIMEOUT) as file:
            raw = file.read_bytes()
            try:
                text = "" if raw is None else raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise KubeconfigError(
                    f"{path} is not UTF-8 text; fix it, or point KUBECONFIG elsewhere."
                ) from None
            merged = make(text)
            file.write_bytes(merged.text.encode())
            return merged
    except atomic.FileChanged:
        raise KubeconfigError(
            f"Another program changed {path} while stsui was merging into it; nothing was written: run again."
        ) from None
    except atomic.LockTimeout:
        raise KubeconfigError(f"Another program holds the lock on {path.parent}; try again.") from None
    except UnsafeFileError:
        raise
    except OSError as error:
        raise KubeconfigError(f"Cannot write {path}: {error.strerror or error}.") from None
