"""`stsui eks-token` (kubectl's exec plugin for EKS) and `stsui kubeconfig` (the kubeconfig entry that runs
it)."""

from __future__ import annotations

import argparse
import os
import sys

from stsui.cli.grammar import CLUSTER_OPTION, EKS_TOKEN, REGION_OPTION
from stsui.cli.shared import obtain, warn
from stsui.cli.wiring import load_engine
from stsui.domain.eks import EXEC_INFO_VARIABLE, cluster_problem, kubectl_credential
from stsui.domain.errors import UsageError
from stsui.domain.printable import printable


def checked_cluster(cluster: str) -> str:
    return _checked(CLUSTER_OPTION, cluster, cluster_problem(cluster))


def cmd_eks_token(args: argparse.Namespace) -> int:
    cluster = checked_cluster(args.cluster)
    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    region = None if args.region is None else engine.check_region(role, args.region)
    outcome = obtain(engine, role, None)  # an MFA code: on kubectl's terminal, else through the TUI
    warn(outcome)
    session = outcome.session
    url = engine.gateway.eks_token_url(session.credentials, cluster=cluster, region=region or role.region)
    print(kubectl_credential(url, engine.clock(), session.expiration, os.environ.get(EXEC_INFO_VARIABLE)))
    return 0


def _checked(option: str, value: str, problem: str | None) -> str:
    if problem:
        raise UsageError(f"{option} {printable(value, 100)!r} {problem}.")
    return value


def cmd_kubeconfig(args: argparse.Namespace) -> int:
    from stsui.cli.running import roles_file_option, running_stsui
    from stsui.domain.eks import certificate_problem, server_problem
    from stsui.domain.paths import kubeconfig_path
    from stsui.domain.rules import unsafe_character
    from stsui.store.kubeconfig import KubeEntry, merge, write_merged

    cluster = checked_cluster(args.cluster)
    server = _checked("--server", args.server, server_problem(args.server))
    authority = _checked(
        "--certificate-authority-data", args.certificate_authority_data,
        certificate_problem(args.certificate_authority_data),
    )  # fmt: skip
    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    region = None if args.region is None else engine.check_region(role, args.region)
    name = args.context if args.context is not None else f"{role.name}@{cluster}"
    if not name.strip() or unsafe_character(name):
        raise UsageError(f"--context {printable(name, 100)!r} must be a name without control characters.")
    command = running_stsui()
    roles_file = roles_file_option(engine.config.path)
    plugin_args = [
        *command[1:],
        *(["--config", str(roles_file)] if roles_file else []),
        EKS_TOKEN, role.name, CLUSTER_OPTION, cluster,
        *([REGION_OPTION, region] if region else []),
    ]  # fmt: skip
    entry = KubeEntry(name, server, authority, command[0], tuple(plugin_args))
    path = kubeconfig_path()
    if args.dry_run:
        from stsui.store.atomic import read_regular, resolve

        found = read_regular(resolve(path))
        text = "" if found is None else found[0].decode("utf-8-sig", "replace")
        sys.stdout.write(merge(text, entry, path, force=args.force).text)
        return 0
    merged = write_merged(path, lambda text: merge(text, entry, path, force=args.force))
    what = "Added" if merged.added else "Updated"
    print(
        f"{what} the cluster, user and context '{name}' in {path}: kubectl runs "
        f"'stsui {EKS_TOKEN} {role.name} {CLUSTER_OPTION} {cluster}' for its token."
    )
    if merged.made_current:
        print(f"'{name}' is kubectl's current context.")
    else:
        print(f"kubectl's current context is still '{merged.current_context}'; switch with "
              f"'kubectl config use-context {name}'.")  # fmt: skip
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        EKS_TOKEN, help="an EKS token for kubectl (its exec plugin), as 'aws eks get-token' prints it"
    )
    cmd.add_argument("name", help="the role's name in the roles file")
    cmd.add_argument(CLUSTER_OPTION, required=True, metavar="CLUSTER", help="the EKS cluster's name")
    cmd.add_argument(REGION_OPTION, help="the region of the STS endpoint that signs (default: the role's)")
    cmd.set_defaults(handler=cmd_eks_token)

    cmd = commands.add_parser(
        "kubeconfig", help="add a cluster, user and context running 'stsui eks-token' to your kubeconfig"
    )
    cmd.add_argument("name", help="the role's name in the roles file")
    cmd.add_argument(CLUSTER_OPTION, required=True, metavar="CLUSTER", help="the EKS cluster's name")
    cmd.add_argument("--server", required=True, metavar="URL", help="the cluster's API server endpoint")
    cmd.add_argument(
        "--certificate-authority-data",
        required=True,
        metavar="B64",
        help="the cluster's CA certificate (base64)",
    )
    cmd.add_argument(REGION_OPTION, help="the region of the STS endpoint that signs (default: the role's)")
    cmd.add_argument("--context", help="the name of the context, cluster and user (default: NAME@CLUSTER)")
    cmd.add_argument("--dry-run", action="store_true", help="print the merged kubeconfig; write nothing")
    cmd.add_argument("--force", action="store_true", help="replace entries of that name stsui did not write")
    cmd.set_defaults(handler=cmd_kubeconfig)
