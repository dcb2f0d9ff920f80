"""The AWS SDK for JavaScript v3's instance-metadata provider, a real consumer of `stsui imds`: installed from
the npm registry once per virtualenv (next to it, so `make clean` removes it), or the reason it cannot be.

`@aws-sdk/credential-providers`' `fromInstanceMetadata` is `@smithy/credential-provider-imds`'s (the
`@aws-sdk/credential-provider-imds` package stopped at 3.374 and re-exports an old one); it is pinned, and
is 3 packages, about 8 MB.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "@smithy/credential-provider-imds"
VERSION = "4.5.2"
INSTALL_TIMEOUT = 180


def _root() -> Path:
    return Path(sys.prefix) / "node-sdk"


def node_modules() -> tuple[Path | None, str]:
    """(the node_modules directory holding the package, "") or (None, why it cannot be had)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None, "node and npm are not installed (apt-get install nodejs npm)"
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    modules = root / "node_modules"
    done = root / f"installed-{VERSION}"
    with open(root / "lock", "w") as lock:  # one pytest worker installs; the others wait for it
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return modules, ""
        env = {  # the machine's own settings (a proxy's certificates), its cache kept here
            **os.environ,
            "npm_config_cache": str(root / "npm-cache"),
            "npm_config_update_notifier": "false",
            "npm_config_fetch_retries": "1",
            "npm_config_fetch_timeout": "30000",
        }
        try:
            result = subprocess.run(
                [
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--prefix",
                    str(root),
                    f"{PACKAGE}@{VERSION}",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"npm did not install {PACKAGE} within {INSTALL_TIMEOUT} s (no registry?)"
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"npm could not install {PACKAGE}@{VERSION}: {last}"
        done.touch()
        with contextlib.suppress(OSError):
            shutil.rmtree(root / "npm-cache")
    return modules, ""


FETCH = """
const { fromInstanceMetadata } = require("@smithy/credential-provider-imds");
fromInstanceMetadata({ timeout: 2000 })().then(
  (c) => console.log(JSON.stringify({
    accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken,
    expiration: c.expiration.toISOString(),
  })),
  (e) => { console.error(String(e && e.message)); process.exit(1); },
);
"""
"""A node program that fetches credentials the way the SDK's default chain does on EC2, and prints them."""
