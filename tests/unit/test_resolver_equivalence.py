"""The direct (no-boto3) STS path calls as exactly the identity botocore would: a differential test.

A generated matrix of environments, config files and credentials files is given both to stsui's
`Resolver` and to botocore itself. Whenever the resolver plans a direct call, botocore must resolve the
very same keys, region, endpoint and CA bundle; where they could differ the resolver must answer None
("boto3 decides"). The named cases below pin what must still go direct (speed) and what must not.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stsui.aws.direct import Keys
from stsui.aws.profiles import Plan, Resolver

KEYS_DEFAULT = ("AKIDDEFAULTEXAMPLE01", "secret-default")


def _keys_lines(keys: tuple[str, str]) -> str:
    return f"aws_access_key_id = {keys[0]}\naws_secret_access_key = {keys[1]}\n"


KEYS_P = ("AKIDPROFILEPEXAMPL01", "secret-p")
KEYS_CONFIG = ("AKIDCONFIGFILEEXAM01", "secret-config")
KEYS_ENV = ("AKIDENVIRONMENTEXA01", "secret-env")
HELD = Keys("ASIAHELDBYSTSUIEXA01", "secret-held", "token-held")
"""Keys stsui holds itself: an MFA session or a parent role's session."""
CA = "CA_FILE"  # replaced by a real PEM file's path in each example
ROLE = "arn:aws:iam::111111111111:role/Other"

# --- the matrix: fragments of each file and each variable ----------------------------------------------

CONFIG_FRAGMENTS = {
    "default-region": "[default]\nregion = eu-west-1\n",
    "default-cn": "[default]\nregion = cn-north-1\n",
    "default-ca": f"[default]\nca_bundle = {CA}\n",
    "default-endpoint": "[default]\nendpoint_url = http://127.0.0.1:9/\n",
    "p-region": "[profile p]\nregion = ap-southeast-2\n",
    "p-quoted": f'[profile "p"]\nregion = us-west-2\naws_access_key_id = {KEYS_CONFIG[0]}\n'
    f"aws_secret_access_key = {KEYS_CONFIG[1]}\n",
    "p-keys": "[profile p]\n" + _keys_lines(KEYS_CONFIG),
    "p-role": f"[profile p]\nrole_arn = {ROLE}\nsource_profile = default\n",
    "p-process": "[profile p]\ncredential_process = /bin/false\n",
    "p-ca": f"[profile p]\nca_bundle = {CA}\n",
    "p-fips": "[profile p]\nuse_fips_endpoint = true\n",
    "p-services": "[profile p]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:9/\n",
    "p-gov": "[profile p]\nregion = us-gov-west-1\n",
    "p-cn": "[profile p]\nregion = cn-northwest-1\n",
    "profile-default": "[profile default]\nregion = sa-east-1\n",
    "p-output": "[profile p]\noutput = json\ncli_pager =\n",
    "broken": "[profile p\n",
}
CREDENTIALS_FRAGMENTS = {
    "default": "[default]\n" + _keys_lines(KEYS_DEFAULT),
    "p": "[p]\n" + _keys_lines(KEYS_P),
    "p-region": "[p]\n" + _keys_lines(KEYS_P) + "region = ca-central-1\n",
    "p-role": f"[p]\nrole_arn = {ROLE}\nsource_profile = default\n",
    "p-role-keys": "[p]\n" + _keys_lines(KEYS_P) + f"role_arn = {ROLE}\nsource_profile = default\n",
    "p-tokens": "[p]\n" + _keys_lines(KEYS_P) + "aws_security_token = stale\naws_session_token = fresh\n",
    "p-partial": f"[p]\naws_access_key_id = {KEYS_P[0]}\n",
    "p-ca": "[p]\n" + _keys_lines(KEYS_P) + f"ca_bundle = {CA}\n",
    "profile-p": "[profile p]\n" + _keys_lines(KEYS_P),
    "p-stsui": "[p]\n"
    + _keys_lines(KEYS_P)
    + "aws_session_token = t\nx_stsui_role = p\nx_security_token_expires = 2030-01-01T00:00:00Z\n",
}
VARIABLES: dict[str, list[str]] = {
    "AWS_PROFILE": ["p", "default", "q", ""],
    "AWS_DEFAULT_PROFILE": ["p", "default", ""],
    "AWS_ACCESS_KEY_ID": [KEYS_ENV[0], ""],
    "AWS_SECRET_ACCESS_KEY": [KEYS_ENV[1]],
    "AWS_SESSION_TOKEN": ["env-token"],
    "AWS_SECURITY_TOKEN": ["env-stale", ""],
    "AWS_ROLE_ARN": [ROLE],
    "AWS_WEB_IDENTITY_TOKEN_FILE": ["/nonexistent/token"],
    "AWS_REGION": ["eu-north-1"],
    "AWS_DEFAULT_REGION": ["me-south-1", "cn-north-1", ""],
    "AWS_ENDPOINT_URL": ["http://127.0.0.1:7/"],
    "AWS_ENDPOINT_URL_STS": ["http://127.0.0.1:8/"],
    "AWS_CA_BUNDLE": [CA],
    "REQUESTS_CA_BUNDLE": [CA],
    "AWS_STS_REGIONAL_ENDPOINTS": ["regional", "legacy"],
    "AWS_USE_DUALSTACK_ENDPOINT": ["true"],
    "HTTPS_PROXY": ["http://127.0.0.1:3128"],
}
PROFILES = [None, "p", "default", "q"]
REGIONS = [None, "eu-central-1", "cn-northwest-1", "us-gov-east-1", "us-iso-east-1"]
FILE_FORMS = ["plain", "$VAR", "~"]


@dataclass(frozen=True)
class Case:
    config: tuple[str, ...]
    credentials: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    file_form: str
    profile: str | None
    region: str | None
    held: bool


def _subset(names: list[str], most: int) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(names), max_size=most, unique=True).map(tuple)


cases = st.builds(
    Case,
    config=_subset(list(CONFIG_FRAGMENTS), 3),
    credentials=_subset(list(CREDENTIALS_FRAGMENTS), 2),
    env=st.lists(
        st.sampled_from(list(VARIABLES)).flatmap(
            lambda n: st.sampled_from(VARIABLES[n]).map(lambda v: (n, v))
        ),
        max_size=4,
        unique_by=lambda item: item[0],
    ).map(tuple),
    file_form=st.sampled_from(FILE_FORMS),
    profile=st.sampled_from(PROFILES),
    region=st.sampled_from(REGIONS),
    held=st.booleans(),
)

# --- running one case on both sides -----------------------------------------------------------------


def _ca_file(folder: Path) -> str:
    import certifi

    path = folder / "bundle.pem"
    path.write_bytes(Path(certifi.where()).read_bytes())
    return str(path)


def _join(fragments: tuple[str, ...], table: dict[str, str], ca: str) -> str:
    seen: set[str] = set()
    text = ""
    for name in fragments:
        fragment = table[name].replace(CA, ca)
        header = fragment.split("\n", 1)[0]
        if header in seen:  # two fragments of one section: botocore would refuse the file outright
            continue
        seen.add(header)
        text += fragment + "\n"
    return text


@contextmanager
def _world(case: Case) -> Iterator[None]:
    """The case's files and environment, and nothing of the test process's own."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ca = _ca_file(root)
        (root / ".aws").mkdir()
        (root / ".aws" / "config").write_text(_join(case.config, CONFIG_FRAGMENTS, ca))
        credentials = _join(case.credentials, CREDENTIALS_FRAGMENTS, ca)
        (root / ".aws" / "credentials").write_text(credentials)
        env = {"HOME": folder, "PATH": os.environ.get("PATH", ""), "AWS_EC2_METADATA_DISABLED": "true"}
        env["STSUI_T"] = folder
        if case.file_form == "$VAR":
            env["AWS_CONFIG_FILE"] = "$STSUI_T/.aws/config"
            env["AWS_SHARED_CREDENTIALS_FILE"] = "${STSUI_T}/.aws/credentials"
        elif case.file_form == "plain":
            env["AWS_CONFIG_FILE"] = f"{folder}/.aws/config"
            env["AWS_SHARED_CREDENTIALS_FILE"] = f"{folder}/.aws/credentials"
        env.update({name: value.replace(CA, ca) for name, value in case.env})
        with mock.patch.dict(os.environ, env, clear=True):
            yield


_loader: Any = None


def botocore_answer(case: Case) -> tuple[tuple[str, str, str | None], str, str, object, str]:
    """(keys, region, endpoint, CA bundle, credential method) botocore resolves for the case, the way
    stsui's boto3 gateway asks it: a session for the profile (None: the default chain), the role's
    region or the session's or us-east-1."""
    import botocore.session

    global _loader
    session = botocore.session.Session(profile=None if case.held else case.profile)
    if _loader is None:
        _loader = session.get_component("data_loader")
    session.register_component("data_loader", _loader)  # the service model, parsed once per run
    region = case.region or session.get_config_variable("region") or "us-east-1"
    if case.held:
        keys = (HELD.access_key_id, HELD.secret_access_key, HELD.session_token)
        method = "explicit"
        client = session.create_client(
            "sts", region_name=region, aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
            aws_session_token=keys[2],
        )  # fmt: skip
    else:
        credentials = session.get_credentials()
        assert credentials is not None, "stsui planned a direct call where botocore finds no credentials"
        method = credentials.method
        frozen = credentials.get_frozen_credentials()
        keys = (frozen.access_key, frozen.secret_key, frozen.token)
        client = session.create_client("sts", region_name=region)
    return (
        keys,
        client.meta.region_name,
        client.meta.endpoint_url,
        client._endpoint.http_session._verify,
        method,
    )


def _default_verify() -> object:
    with _world(Case((), (), (), "plain", None, None, True)):
        return botocore_answer(Case((), (), (), "plain", None, None, True))[3]


def stsui_plan(case: Case) -> Plan | None:
    return Resolver().plan(case.profile, case.region, HELD if case.held else None)


def check(case: Case) -> Plan | None:
    """The resolver's plan for `case`, after proving it equal to botocore's answer when it is direct."""
    with _world(case):
        plan = stsui_plan(case)
        if plan is None:
            return None  # boto3 decides: equal by construction
        keys, region, endpoint, verify, method = botocore_answer(case)
    assert method in ("explicit", "env", "shared-credentials-file", "config-file"), method
    assert (plan.keys.access_key_id, plan.keys.secret_access_key, plan.keys.session_token) == keys
    assert plan.target.region == region
    assert plan.target.endpoint.rstrip("/") == endpoint.rstrip("/")
    assert (plan.target.ca_bundle or DEFAULT_VERIFY) == verify
    return plan


DEFAULT_VERIFY: object = None


@pytest.fixture(autouse=True, scope="module")
def _default_trust() -> None:
    global DEFAULT_VERIFY
    DEFAULT_VERIFY = _default_verify()


# --- the property ------------------------------------------------------------------------------------


@settings(
    max_examples=int(os.environ.get("STSUI_EQUIVALENCE_EXAMPLES", "400")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
@example(
    Case(
        (),
        ("default",),
        (("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "default")),
        "plain",
        None,
        None,
        False,
    )
)
def test_a_direct_call_is_exactly_the_call_botocore_would_make(case: Case) -> None:
    check(case)


# --- named cases: each either matches botocore or goes to boto3; the common ones stay direct ----------


def _case(
    config: tuple[str, ...] = (),
    credentials: tuple[str, ...] = ("default",),
    env: dict[str, str] | None = None,
    *,
    profile: str | None = None,
    region: str | None = None,
    held: bool = False,
    file_form: str = "plain",
) -> Case:
    return Case(config, credentials, tuple((env or {}).items()), file_form, profile, region, held)


@pytest.mark.parametrize(
    "case",
    [
        _case(("default-region",)),
        _case(("default-region",), ("default", "p"), profile="p"),
        _case(("p-keys",), (), profile="p"),
        _case((), ("p-tokens",), profile="p"),
        _case((), ("p-stsui",), profile="p"),
        _case(("p-output",), ("p",), profile="p"),
        _case((), (), {"AWS_ACCESS_KEY_ID": KEYS_ENV[0], "AWS_SECRET_ACCESS_KEY": KEYS_ENV[1]}),
        _case(("p-role",), (), profile="p", held=True),  # stsui's own keys: the profile's role is moot
        _case(("p-cn",), ("p",), profile="p"),
        _case(("p-gov",), ("p",), profile="p"),
        _case((), ("default",), {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:8/"}),
    ],
    ids=[
        "default-keys", "named-profile", "config-file-keys", "first-token-wins", "stsui-section",
        "cli-settings", "environment-keys", "held-keys-role-profile", "china", "gov-cloud",
        "endpoint-variable",
    ],
)  # fmt: skip
def test_common_setups_go_direct_and_match_botocore(case: Case) -> None:
    assert check(case) is not None


@pytest.mark.parametrize(
    "case",
    [
        _case((), ("default", "p-role-keys"), profile="p"),  # role and keys in the credentials file: botocore
        # assumes the role
        _case(("p-role",), ("default", "p"), profile="p"),  # role in the config, keys in the credentials
        _case((), ("default",), {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": "/t"}),
        _case(("p-services",), ("p",), profile="p"),
        _case(("default-endpoint",), ("default",)),
        _case(("p-process",), ("p",), profile="p"),
        _case((), ("p-partial",), profile="p"),
        _case(("broken",), ("default",)),
        _case((), ("default",), {"AWS_DEFAULT_PROFILE": ""}),
        _case((), ("default",), {"HTTPS_PROXY": "http://127.0.0.1:3128"}),
        _case((), ("default",), region="us-iso-east-1"),
        _case((), ("default",), profile="q"),  # no such profile: botocore raises ProfileNotFound
    ],
    ids=[
        "role-in-credentials-file", "role-in-config", "web-identity", "services-endpoint", "profile-endpoint",
        "credential-process", "partial-keys", "unparsable-config", "empty-profile-variable", "proxy",
        "other-partition", "missing-profile",
    ],
)  # fmt: skip
def test_setups_stsui_does_not_reproduce_are_left_to_boto3(case: Case) -> None:
    with _world(case):
        assert stsui_plan(case) is None


# --- the named mutants --------------------------------------------------------------------------------


def test_aws_default_profile_comes_before_aws_profile() -> None:
    plan = check(_case((), ("default", "p"), {"AWS_PROFILE": "p", "AWS_DEFAULT_PROFILE": "default"}))
    assert plan is not None and plan.keys.access_key_id == KEYS_DEFAULT[0]
    plan = check(_case((), ("default", "p"), {"AWS_PROFILE": "default", "AWS_DEFAULT_PROFILE": "p"}))
    assert plan is not None and plan.keys.access_key_id == KEYS_P[0]


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
def test_china_regions_use_the_amazonaws_com_cn_endpoint(region: str) -> None:
    plan = check(_case(region=region))
    assert plan is not None and plan.target.endpoint == f"https://sts.{region}.amazonaws.com.cn"


@pytest.mark.parametrize(
    "case",
    [
        _case(("default-ca",)),
        _case((), ("p-ca",), profile="p"),
        _case((), ("default",), {"AWS_CA_BUNDLE": CA}),
        _case((), ("default",), {"REQUESTS_CA_BUNDLE": CA}),
    ],
    ids=["config-file", "credentials-file", "aws-variable", "requests-variable"],
)
def test_the_ca_bundle_botocore_trusts_is_the_one_used(case: Case) -> None:
    plan = check(case)
    assert plan is not None and plan.target.ca_bundle is not None
    assert plan.target.ca_bundle.endswith("bundle.pem")


def test_region_in_the_credentials_file_counts_as_botocore_merges_it() -> None:
    plan = check(_case(("p-region",), ("p-region",), profile="p"))
    assert plan is not None and plan.target.region == "ca-central-1"


@pytest.mark.parametrize("form", ["$VAR", "~"])
def test_file_variables_are_expanded_as_botocore_expands_them(form: str) -> None:
    plan = check(_case((), ("p",), profile="p", file_form=form))
    assert plan is not None and plan.keys.access_key_id == KEYS_P[0]


def test_a_quoted_profile_section_is_found() -> None:
    plan = check(_case(("p-quoted",), (), profile="p"))
    assert plan is not None and (plan.keys.access_key_id, plan.target.region) == (KEYS_CONFIG[0], "us-west-2")
