"""The TUI shows the status every command shows: `stsui.domain.model.status_of`, one rule.

Before, the screen kept its own copy, which never said "needs MFA" for a role nothing renews
(auto_refresh = false): it said "due" forever while `stsui list` said "needs MFA".
"""

from __future__ import annotations

from pathlib import Path

from stsui.domain.model import Status
from tests.tui.conftest import build_rig, wait_until
from tests.tui.test_app import SIZE, text

ROLES = """\
[defaults]
source_profile = "default"
region = "eu-west-1"

[roles.mfa-manual]
role_arn = "arn:aws:iam::444444444444:role/Ops"
mfa_serial = "arn:aws:iam::999999999999:mfa/tester"
auto_refresh = false
"""


async def test_a_due_mfa_role_without_auto_refresh_shows_needs_mfa_as_list_does(isolated_home: Path) -> None:
    rig = build_rig(isolated_home, ROLES)
    role = rig.role("mfa-manual")
    rig.engine.assume(role, mfa_code="123456")
    rig.engine.forget_mfa()
    rig.clock.step(3600 - 60)
    assert rig.engine.status(role, rig.engine.entries()) is Status.NEEDS_MFA  # what `stsui list` says
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        app.tick()  # the renewal check runs in a worker: its answer shows when that worker is done
        await wait_until(pilot, lambda: "needs MFA" in text(app, "mfa-manual"))
