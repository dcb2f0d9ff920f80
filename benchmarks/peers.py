"""The tools measured, each in its own virtualenv under benchmarks/.work/: the peers (made once, from PyPI)
and stsui itself, installed from the working tree as a user installs it (`pip install .`, not editable)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
SOURCE = Path(__file__).resolve().parent.parent
"""The working tree stsui is built from."""


@dataclass(frozen=True)
class Peer:
    """One PyPI package installed alone in `WORK/venv-<package>`."""

    package: str

    @property
    def venv(self) -> Path:
        return WORK / f"venv-{self.package}"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def _ready_mark(self) -> Path:
        return self.venv / ".installed"

    def ensure(self) -> None:
        """Create the virtualenv and install the package from PyPI, unless a previous run did."""
        if self._ready_mark.exists():
            return
        print(f"  installing {self.package} into {self.venv} (first run only) ...", flush=True)
        if not (self.bin / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        subprocess.run(
            [str(self.bin / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             self.package],
            check=True,
        )  # fmt: skip
        self._ready_mark.touch()

    def version(self) -> str:
        done = subprocess.run(
            [
                str(self.bin / "python"),
                "-c",
                f"import importlib.metadata as m; print(m.version({self.package!r}))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


AWSUME = Peer("awsume")
AWSCLI = Peer("awscli")


@dataclass(frozen=True)
class Installed(Peer):
    """stsui as a user has it: built from the working tree into a wheel and installed into its own virtualenv
    (site-packages, no editable finder; pip compiles the bytecode, as it did for the peers). Reinstalled on
    every run, so the figures are of the code as it is now."""

    def ensure(self) -> None:
        first = not (self.bin / "python").exists()
        if first:
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        print(f"  installing stsui from {SOURCE} into {self.venv} (pip install .) ...", flush=True)
        subprocess.run(
            [str(self.bin / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *([] if first else ["--no-deps", "--force-reinstall"]), str(SOURCE)],
            check=True,
        )  # fmt: skip
        if (SOURCE / "stsui").samefile(self.package_dir()):
            raise RuntimeError("stsui resolved to the working tree, not an installed copy")

    def package_dir(self) -> Path:
        done = subprocess.run(
            [str(self.bin / "python"), "-c", "import stsui, os; print(os.path.dirname(stsui.__file__))"],
            capture_output=True, text=True, check=True, cwd="/",
        )  # fmt: skip
        return Path(done.stdout.strip())


STSUI = Installed("stsui")


def awsume_assume(profile: str, output_profile: str) -> list[str]:
    """awsume's Python entry point (the `awsume` shell function only wraps it to export variables).

    With `-o PROFILE` it assumes the role of `profile` (a `role_arn` + `source_profile` profile of
    ~/.aws/config) and writes the credentials to `[PROFILE]` of the credentials file.
    """
    return [str(AWSUME.bin / "awsumepy"), profile, "--output-profile", output_profile]


def aws_assume_role(role_arn: str) -> list[str]:
    """AWS CLI v1; the endpoint comes from AWS_ENDPOINT_URL_STS like for every botocore client."""
    return [
        str(AWSCLI.bin / "aws"), "sts", "assume-role",
        "--role-arn", role_arn, "--role-session-name", "bench", "--output", "json",
    ]  # fmt: skip


def aws_eks_get_token(cluster: str) -> list[str]:
    """AWS CLI v1's EKS token for `cluster`, signed with the credentials in the environment (offline)."""
    return [str(AWSCLI.bin / "aws"), "eks", "get-token", "--cluster-name", cluster, "--output", "json"]
