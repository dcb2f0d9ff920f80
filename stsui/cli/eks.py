"""`stsui eks-token` (kubectl's exec plugin for EKS) and `stsui kubeconfig` (the kubeconfig entry that runs
it)."""

from __future__ import annotations

import argparse
import os

from stsui.cli.grammar import CLUSTER_OPTION, EKS_TOKEN, REGION_OPTION
from stsui.cli.shared import obtain, warn
from stsui.cli.wiring import load_engine
from stsui.domain.eks import (
    EXEC_INFO_VARIABLE,
    api_version,
    cluster_problem,
    exec_credential,
    token_expiry,
    token_of,
)
from stsui.domain.errors import UsageError
from stsui.domain.printable import printable


def checked_cluster(cluster: str) -> str:
    problem = cluster_problem(cluster)
    if problem:
        raise UsageError(f"{CLUSTER_OPTION} {printable(cluster, 100)!r} {problem}.")
    return cluster


def checked_region(region: str | None) -> str | None:
    if region is None:
        return None
    from stsui.config.schema import Invalid, check_region

    try:
        return check_region(region)
    except Invalid as error:
        raise UsageError(f"{REGION_OPTION} {error.text}.") from None


def cmd_eks_token(args: argparse.Namespace) -> int:
    cluster, region = checked_cluster(args.cluster), checked_region(args.region)
    engine = load_engine(args.config)
    role = engine.config.role(args.name)
    outcome = obtain(engine, role, None)  # an MFA code: on kubectl's terminal, else through the TUI
    warn(outcome)
    session = outcome.session
    url = engine.gateway.eks_token_url(session.credentials, cluster=cluster, region=region or role.region)
    version = api_version(os.environ.get(EXEC_INFO_VARIABLE))
    print(exec_credential(token_of(url), token_expiry(engine.clock(), session.expiration), version))
    return 0


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = commands.add_parser(
        EKS_TOKEN, help="an EKS token for kubectl (its exec plugin), as 'aws eks get-token' prints it"
    )
    cmd.add_argument("name", help="the role's name in the roles file")
    cmd.add_argument(CLUSTER_OPTION, required=True, metavar="CLUSTER", help="the EKS cluster's name")
    cmd.add_argument(REGION_OPTION, help="the region of the STS endpoint that signs (default: the role's)")
    cmd.set_defaults(handler=cmd_eks_token)
