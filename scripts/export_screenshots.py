"""Save the README screenshots: the real app, headless at 120x34, against the demo's local STS (moto).

The clock is frozen, so the countdowns show chosen values: sessions are assumed first, then the clock is
moved on so they read fine (green), under 15 minutes (yellow), under 5 minutes (red) and expired.
Writes screenshots/main.svg, filter.svg, mfa.svg, help.svg, marks.svg (colours, a pin, marks, a session in
another region), confirm.svg and region.svg, then checks that no secret made it in.

    python scripts/export_screenshots.py [OUTPUT_DIR]
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stsui.cli.demo import demo_engine, demo_environment
from stsui.domain.model import Credentials, Session
from stsui.store.credentials_file import CredentialsFile
from stsui.tui.app import StsuiApp
from stsui.tui.screens.confirm import ConfirmScreen
from stsui.tui.screens.mfa import MfaScreen
from stsui.tui.screens.region import RegionScreen

SIZE = (120, 34)
ROOT = Path(__file__).resolve().parent.parent


class FrozenClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def step(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def prepare(app_clock: FrozenClock, demo_credentials: Path, engine_assume, move_region) -> None:  # type: ignore[no-untyped-def]
    """Sessions in every state the table shows."""
    engine_assume("prod-admin")
    engine_assume("prod-deploy")  # chained through prod-admin
    engine_assume("staging-admin", duration=25 * 60)
    engine_assume("dev-admin", duration=15 * 60)
    expired = Credentials(
        "ASIAEXPIREDDEMO00001", "expired-secret", "expired-token", app_clock() - timedelta(hours=1)
    )
    CredentialsFile(demo_credentials).write_session(
        "dev-billing",
        Session("dev-billing", expired, "arn:aws:sts::333333333333:assumed-role/BillingViewer/demo"),
    )
    app_clock.step(12 * 60)  # staging-admin: 13 min left, dev-admin: 3 min left
    move_region("staging-admin", "us-west-2")  # a session in another region than its role's


async def settle(app: StsuiApp, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    for field in app.screen.query("Input"):
        field.cursor_blink = False  # type: ignore[attr-defined]


async def shoot(app: StsuiApp, out: Path) -> list[Path]:
    saved: list[Path] = []

    def save(name: str) -> None:
        path = out / name
        path.write_text(app.export_screenshot(title="stsui"), encoding="utf-8")
        saved.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        save("main.svg")

        await pilot.press("slash", *"prod")
        await settle(app, pilot)
        save("filter.svg")
        await pilot.press("escape")

        app.roles.table.go_to("security-audit")
        await pilot.press("enter")
        await wait_for(app, pilot, ConfirmScreen)  # production asks first
        await pilot.press("y")
        await wait_for(app, pilot, MfaScreen)
        await pilot.press("1", "2", "3")
        await settle(app, pilot)
        save("mfa.svg")
        await pilot.press("escape")
        await settle(app, pilot)

        await pilot.press("question_mark")
        await settle(app, pilot)
        save("help.svg")
        await pilot.press("escape")
        await settle(app, pilot)

        app.roles.table.go_to("dev-admin")
        await pilot.press("p")  # pinned: first in recent order
        for name in ("staging-admin", "staging-readonly"):
            app.roles.table.go_to(name)
            await pilot.press("space")
        app.roles.table.go_to("prod-readonly")
        await settle(app, pilot)
        save("marks.svg")
        await pilot.press("minus")

        app.roles.table.go_to("prod-admin")
        await pilot.press("enter")
        await wait_for(app, pilot, ConfirmScreen)
        save("confirm.svg")
        await pilot.press("escape")
        await settle(app, pilot)

        app.roles.table.go_to("staging-admin")
        await pilot.press("g")
        await wait_for(app, pilot, RegionScreen)
        await pilot.press(*"us")
        await settle(app, pilot)
        save("region.svg")
    return saved


async def wait_for(app: StsuiApp, pilot, screen: type) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        if isinstance(app.screen, screen):
            await settle(app, pilot)
            return
        await settle(app, pilot)
    raise SystemExit(f"The {screen.__name__} did not open.")


def secrets_in(credentials: Path, cache: Path) -> set[str]:
    """Every secret key and token stsui or the demo wrote, to prove none is in a screenshot."""
    values = set()
    files = [credentials, *cache.rglob("*.json")] if cache.exists() else [credentials]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            for key in ("aws_secret_access_key", "aws_session_token", '"SecretAccessKey"', '"SessionToken"'):
                if line.strip().startswith(key):
                    value = line.split(":" if key.startswith('"') else "=", 1)[1].strip().strip('",')
                    if len(value) >= 8:
                        values.add(value)
    return values


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    clock = FrozenClock()
    with demo_environment() as demo:
        engine = demo_engine(demo, clock=clock)

        def assume(name: str, duration: int | None = None) -> None:
            engine.assume(engine.config.roles[name], duration=duration)

        def move(name: str, region: str) -> None:
            engine.set_region(engine.config.roles[name], region)

        prepare(clock, demo.credentials, assume, move)
        saved = asyncio.run(shoot(StsuiApp(engine, tick_every=None), out))
        secrets = secrets_in(demo.credentials, demo.cache)
    if not secrets:
        print("export_screenshots: found no secrets to check the screenshots against.", file=sys.stderr)
        return 1
    leaked = sorted({path.name for path in saved for secret in secrets if secret in path.read_text("utf-8")})
    if leaked:
        print(
            f"export_screenshots: a secret appears in {', '.join(leaked)}; not publishing them.",
            file=sys.stderr,
        )
        for path in saved:
            path.unlink()
        return 1
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
