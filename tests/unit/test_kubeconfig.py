"""`stsui kubeconfig`'s merge: one cluster, user and context in, every other entry, comment and the order kept
(a hypothesis round trip over kubeconfigs as kubectl writes them); another program's entry of that name is
never replaced unless forced; the file is written atomically at 0600, a link kept as a link."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from stsui.domain.errors import KubeconfigError
from stsui.store.kubeconfig import KubeEntry, merge, write_merged

PEM = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
ENTRY = KubeEntry(
    "prod-admin@prod",
    "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
    PEM,
    "/usr/local/bin/stsui",
    ("eks-token", "prod-admin", "--cluster", "prod"),
)
PATH = Path("/home/u/.kube/config")

KUBECTL_STYLE = """\
apiVersion: v1
# the team's clusters -- keep this comment
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTg==
    server: https://kind.local:6443
  name: kind-kind  # a kind cluster
contexts:
- context:
    cluster: kind-kind
    namespace: dev
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: "quoted"
    client-key-data: 'single'
"""


def parsed(text: str) -> object:
    return YAML(typ="safe").load(text)


def lines_in_order(original: str, merged: str) -> bool:
    """Every line of `original` is in `merged`, in the same order (comments and spacing included)."""
    rest = iter(merged.splitlines())
    return all(any(line == other for other in rest) for line in original.splitlines())


def test_the_entries_are_added_and_everything_else_is_kept() -> None:
    result = merge(KUBECTL_STYLE, ENTRY, PATH)
    assert result.added and not result.made_current and result.current_context == "kind-kind"
    assert lines_in_order(KUBECTL_STYLE, result.text)
    document = parsed(result.text)
    assert isinstance(document, dict)
    assert [c["name"] for c in document["clusters"]] == ["kind-kind", "prod-admin@prod"]
    assert document["clusters"][1]["cluster"] == {"certificate-authority-data": PEM, "server": ENTRY.server}
    assert document["contexts"][1] == {
        "context": {"cluster": "prod-admin@prod", "user": "prod-admin@prod"},
        "name": "prod-admin@prod",
    }
    assert document["users"][1]["user"]["exec"] == {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "/usr/local/bin/stsui",
        "args": ["eks-token", "prod-admin", "--cluster", "prod"],
    }


def test_merging_again_updates_stsuis_own_entries_in_place() -> None:
    once = merge(KUBECTL_STYLE, ENTRY, PATH).text
    again = merge(once, ENTRY, PATH)
    assert not again.added and again.text == once
    moved = KubeEntry(ENTRY.name, "https://NEW.eks.amazonaws.com", PEM, ENTRY.command, ENTRY.args)
    document = parsed(merge(once, moved, PATH).text)
    assert isinstance(document, dict)
    assert [c["cluster"]["server"] for c in document["clusters"]] == [
        "https://kind.local:6443",
        "https://NEW.eks.amazonaws.com",
    ]


def test_another_programs_entry_of_that_name_is_refused_unless_forced() -> None:
    theirs = KUBECTL_STYLE.replace("kind-kind", "prod-admin@prod")
    with pytest.raises(KubeconfigError, match="already has a cluster, user, context named 'prod-admin@prod'"):
        merge(theirs, ENTRY, PATH)
    forced = parsed(merge(theirs, ENTRY, PATH, force=True).text)
    assert isinstance(forced, dict)
    assert [u["name"] for u in forced["users"]] == ["prod-admin@prod"]
    assert "exec" in forced["users"][0]["user"]


def test_a_new_file_gets_a_whole_kubeconfig_with_the_context_current() -> None:
    result = merge("", ENTRY, PATH)
    assert result.made_current and result.current_context == ENTRY.name
    document = parsed(result.text)
    assert isinstance(document, dict)
    assert (document["apiVersion"], document["kind"], document["current-context"]) == (
        "v1",
        "Config",
        ENTRY.name,
    )


def test_an_indented_file_keeps_its_indentation() -> None:
    indented = "apiVersion: v1\nclusters:\n  - cluster:\n      server: https://a.example\n    name: a\n"
    result = merge(indented, ENTRY, PATH).text
    assert lines_in_order(indented, result)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("clusters: [unclosed", "is not valid YAML"),
        ("- a\n- b\n", "its top level is not a mapping"),
        ("clusters: 3\n", "clusters is not a list of entries"),
        ("users:\n- just a string\n", "users is not a list of entries"),
    ],
)
def test_a_file_that_is_no_kubeconfig_is_refused_with_a_sentence(text: str, said: str) -> None:
    with pytest.raises(KubeconfigError, match=said):
        merge(text, ENTRY, PATH)


_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
_COMMENT = st.from_regex(r"# [a-z ]{0,30}", fullmatch=True)


@st.composite
def kubeconfigs(draw: st.DrawFn) -> str:
    """A kubeconfig as kubectl writes it, with comments where a user adds them."""
    names = draw(st.lists(_NAME, max_size=4, unique=True))
    lines = ["apiVersion: v1"]
    if draw(st.booleans()):
        lines.append(draw(_COMMENT))
    lines.append("clusters:" if names else "clusters: []")
    for name in names:
        lines += ["- cluster:", f"    server: https://{name}.example:6443", f"  name: {name}"]
        if draw(st.booleans()):
            lines.append("  " + draw(_COMMENT))
    lines.append("contexts:" if names else "contexts: []")
    for name in names:
        lines += ["- context:", f"    cluster: {name}", f"    user: {name}", f"  name: {name}"]
    lines.append(f"current-context: {names[0]}" if names and draw(st.booleans()) else 'current-context: ""')
    lines += ["kind: Config", "preferences: {}"]
    lines.append("users:" if names else "users: []")
    for name in names:
        lines += [f"- name: {name}", "  user:", f"    token: {name}-token"]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=kubeconfigs())
def test_any_kubeconfig_keeps_every_line_and_entry(original: str) -> None:
    result = merge(original, ENTRY, PATH)
    changed = ('current-context: ""\n', "clusters: []\n", "contexts: []\n", "users: []\n")
    kept = "".join(line for line in original.splitlines(True) if line not in changed)
    assert lines_in_order(kept, result.text)  # empty lists gain an entry, no current context gets ours
    before, after = parsed(original), parsed(result.text)
    assert isinstance(before, dict) and isinstance(after, dict)
    for kind in ("clusters", "contexts", "users"):
        assert after[kind][:-1] == before[kind] and after[kind][-1]["name"] == ENTRY.name
    assert {
        k: v for k, v in after.items() if k not in ("clusters", "contexts", "users", "current-context")
    } == {k: v for k, v in before.items() if k not in ("clusters", "contexts", "users", "current-context")}
    assert after["current-context"] == (before["current-context"] or ENTRY.name)
    assert merge(result.text, ENTRY, PATH).text == result.text


def test_the_file_is_written_at_0600_and_a_link_stays_a_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "kubeconfig"
    target.write_text(KUBECTL_STYLE)
    os.chmod(target, 0o644)
    kube = tmp_path / ".kube"
    kube.mkdir()
    (kube / "config").symlink_to(target)
    write_merged(kube / "config", lambda text: merge(text, ENTRY, PATH))
    assert (kube / "config").is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert ENTRY.name in target.read_text() and lines_in_order(KUBECTL_STYLE, target.read_text())
    assert sorted(p.name for p in dotfiles.iterdir()) == ["kubeconfig"]  # no temp file left


def test_a_missing_directory_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / ".kube" / "config"
    write_merged(path, lambda text: merge(text, ENTRY, path))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
