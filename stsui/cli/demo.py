"""`stsui demo`: the terminal UI against a local STS (moto) with sample roles, touching nothing of yours.

Everything lives in a throwaway directory: a home, a roles file, an AWS config and credentials file with
dummy base keys, and the cache. The process environment points every AWS SDK path and STS itself there
for as long as the demo runs, then is put back and the directory removed. moto accepts any MFA code. The
console key signs in to a local stand-in (`stsui.cli.demo_console`), never to AWS.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stsui.cli.wiring import sts_gateway
from stsui.domain.errors import UsageError
from stsui.domain.exports import IDENTITY_VARIABLES
from stsui.engine.engine import Engine

DEMO_REGION = "eu-west-1"

DEMO_ROLES = Path(__file__).with_name("demo_roles.toml")
"""The sample roles file (package data): eight roles in three groups, one chained, one behind MFA."""

DEMO_CREDENTIALS = """\
# stsui demo: dummy base keys for moto (not real AWS credentials)
[default]
aws_access_key_id = AKIADEMOBASEKEY00001
aws_secret_access_key = demo-base-secret-not-a-real-key-0000000
"""

DEMO_AWS_CONFIG = f"""\
[default]
region = {DEMO_REGION}
"""

CLEARED = (*IDENTITY_VARIABLES, "AWS_ENDPOINT_URL")
"""Variables that would send the SDK to real credentials or endpoints; unset while the demo runs."""


@dataclass(frozen=True)
class DemoEnvironment:
    """Where the demo's files are, the local STS endpoint, and the environment set for the process."""

    root: Path
    roles: Path
    credentials: Path
    aws_config: Path
    cache: Path
    endpoint: str
    env: dict[str, str]


def _start_sts() -> tuple[object, str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise UsageError(
            "stsui demo needs moto's server to play STS; install it with pip install 'stsui[demo]'."
        ) from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@contextmanager
def demo_environment() -> Iterator[DemoEnvironment]:
    """A local STS and a throwaway home, with the process environment pointed at them until exit."""
    from stsui.aws.federation import SIGNIN_URL_VARIABLE
    from stsui.cli.demo_console import DemoSignin

    server, endpoint = _start_sts()
    signin = DemoSignin()
    root = Path(tempfile.mkdtemp(prefix="stsui-demo-"))
    saved = dict(os.environ)
    try:
        home = root / "home"
        aws = home / ".aws"
        aws.mkdir(parents=True, mode=0o700)
        roles_path = home / ".config" / "stsui" / "roles.toml"
        roles_path.parent.mkdir(parents=True)
        roles_path.write_bytes(DEMO_ROLES.read_bytes())
        credentials = aws / "credentials"
        credentials.write_text(DEMO_CREDENTIALS, encoding="utf-8")
        credentials.chmod(0o600)
        aws_config = aws / "config"
        aws_config.write_text(DEMO_AWS_CONFIG, encoding="utf-8")
        cache = home / ".cache"
        env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(cache),
            "XDG_STATE_HOME": str(home / ".local" / "state"),  # the demo's pins and history are its own
            "STSUI_CONFIG": str(roles_path),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_CONFIG_FILE": str(aws_config),
            "AWS_ENDPOINT_URL_STS": endpoint,
            "AWS_DEFAULT_REGION": DEMO_REGION,
            "AWS_REGION": DEMO_REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            SIGNIN_URL_VARIABLE: signin.url,  # `o` opens a local page: AWS would refuse moto's sessions
        }
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ.update(env)
        yield DemoEnvironment(root, roles_path, credentials, aws_config, cache / "stsui", endpoint, env)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()  # type: ignore[attr-defined]
        signin.stop()
        shutil.rmtree(root, ignore_errors=True)


def demo_engine(demo: DemoEnvironment, **engine_options: object) -> Engine:
    """The engine for the demo's files; boto3 loads only when the first STS call is made."""
    from stsui.config.load import load_config
    from stsui.store.credentials_file import CredentialsFile

    config = load_config(demo.roles)

    return Engine(
        config,
        CredentialsFile(demo.credentials),
        lambda: sts_gateway(config),
        cache_dir=demo.cache,
        **engine_options,  # type: ignore[arg-type]
    )


def run_demo() -> int:
    """Run the terminal UI against the demo; everything is removed when it exits."""
    from stsui.tui.app import run_tui

    with demo_environment() as demo:
        return run_tui(demo_engine(demo), serve=False)  # the demo's roles are not the user's to serve
