"""A throwaway user for tests that run the real `stsui` program: base keys, hand-written credentials
(comments, long-term keys), a roles file, and STS at a given URL (moto over HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

BASE_KEY = "AKIDBASEEXAMPLE00001"
BASE_SECRET = "base-secret-never-printed-0000000000000"

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"
session_name = "tester"

[roles.prod-admin]
role_arn = "arn:aws:iam::111111111111:role/Admin"
description = "Production administrator"
group = "prod"

[roles.staging-ro]
role_arn = "arn:aws:iam::222222222222:role/ReadOnly"
group = "staging"
duration = "2h"

[roles.mfa-ops]
role_arn = "arn:aws:iam::333333333333:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"

[roles.mfa-audit]
role_arn = "arn:aws:iam::444444444444:role/Audit"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"

[roles.chained]
role_arn = "arn:aws:iam::555555555555:role/Deep"
source_role = "prod-admin"
duration = "4h"
"""

USER_CREDENTIALS = """\
# my credentials -- hand written, keep this comment
[default]
aws_access_key_id = AKIDBASEEXAMPLE00001
aws_secret_access_key = base-secret-never-printed-0000000000000

; long-term keys for another account
[personal]
aws_access_key_id=AKIDPERSONAL00000001
aws_secret_access_key=personal-secret-000000000000000000000
"""


@dataclass
class Home:
    """The throwaway home a test runs in, and the environment the real program gets."""

    root: Path
    env: dict[str, str]

    @property
    def credentials(self) -> Path:
        return Path(self.env["AWS_SHARED_CREDENTIALS_FILE"])

    @property
    def roles(self) -> Path:
        return Path(self.env["STSUI_CONFIG"])

    @property
    def cache(self) -> Path:
        return Path(self.env["XDG_CACHE_HOME"]) / "stsui"

    def wait_until_settled(self) -> None:
        """Wait until the roles file is older than the racy window (`stsui.store.stamps`). Before that its
        validated roles are cached with a digest, and the first run after the window validates and caches
        them again: a full run where a test expects the fast path, a locked write where it counts them."""
        import time

        from stsui.store.stamps import is_racy
        from tests.support.clock import real_ns

        while is_racy(os.stat(self.roles), real_ns()):
            time.sleep(0.05)

    def run(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run the real program as a user would."""
        return subprocess.run(
            [sys.executable, "-m", "stsui", *args],
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=timeout,
            check=False,
        )


FAST_PATH_PROBE = """\
import sys
before = set(sys.modules)
sys.argv = ["stsui", *sys.argv[1:]]
from stsui.cli.main import main
code = main()
sys.stdout.flush()
print("\\0" + " ".join(sorted(set(sys.modules) - before)))
sys.exit(code)
"""


def modules_added(home: Home, *args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """What `stsui ARGS` prints and the modules it imports beyond a bare interpreter's. Run without `site`
    (`-S`, stsui found through PYTHONPATH): an editable install's finder imports pathlib and re at every
    start and would hide them, and a fast path must answer with the standard library alone."""
    import stsui

    source = str(Path(stsui.__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-S", "-c", FAST_PATH_PROBE, *args],
        capture_output=True,
        text=True,
        env={**home.env, **(env or {}), "PYTHONPATH": source},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output, _, modules = done.stdout.rpartition("\0")
    return output, set(modules.split())


def build_home(root: Path, sts_url: str, *, roles: str = ROLES, credentials: str = USER_CREDENTIALS) -> Home:
    """A user with base keys, hand-written credentials (comments, long-term keys) and a roles file."""
    aws = root / ".aws"
    aws.mkdir(mode=0o700, exist_ok=True)
    (aws / "credentials").write_text(credentials)
    os.chmod(aws / "credentials", 0o600)
    (aws / "config").write_text("[default]\nregion = eu-west-1\n")
    roles_file = root / ".config" / "stsui" / "roles.toml"
    roles_file.parent.mkdir(parents=True, exist_ok=True)
    roles_file.write_text(roles)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "STSUI_", "XDG_", "PYTEST_", "COV_"))
    }
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / ".config"),
        XDG_CACHE_HOME=str(root / ".cache"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
        AWS_CONFIG_FILE=str(aws / "config"),
        AWS_ENDPOINT_URL_STS=sts_url,
        AWS_EC2_METADATA_DISABLED="true",
        STSUI_CONFIG=str(roles_file),
    )
    return Home(root, env)


def write_roles(home: Home, text: str) -> None:
    home.roles.write_text(textwrap.dedent(text))
