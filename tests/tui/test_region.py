"""A region per session (Pilot, fake STS, frozen clock): `g` opens the picker for the highlighted role (its
partition's regions, the ones used lately first, filtered as typed); a live session keeps its keys and only
its region changes, with no STS call; the table shows each session's region."""

from __future__ import annotations

from pathlib import Path

from stsui.domain.regions import regions_of
from stsui.tui.messages import RegionChanged, SessionStarted
from stsui.tui.screens.region import RegionScreen
from tests.tui.conftest import ROLES, Recorder, Rig, build_rig, wait_until, workers_done

SIZE = (120, 34)
CHINA = (
    ROLES + '\n[roles.china]\nrole_arn = "arn:aws-cn:iam::123456789012:role/China"\nregion = "cn-north-1"\n'
)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await workers_done(pilot.app)
    await pilot.pause()


async def picker(pilot, app, role: str) -> RegionScreen:  # type: ignore[no-untyped-def]
    app.roles.table.go_to(role)
    await pilot.press("g")
    await wait_until(pilot, lambda: isinstance(app.screen, RegionScreen))
    assert isinstance(app.screen, RegionScreen)
    return app.screen


def offered(screen: RegionScreen) -> list[str]:
    options = screen.options
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_the_picker_offers_the_partitions_regions_filtered_as_typed(rig: Rig) -> None:
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await picker(pilot, app, "dev-admin")
        assert offered(screen) == list(regions_of("aws"))
        assert "eu-west-1  (now)" in str(
            screen.options.get_option_at_index(offered(screen).index("eu-west-1")).prompt
        )
        await pilot.press(*"us west")
        assert offered(screen) == ["us-west-1", "us-west-2"]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RegionScreen)


async def test_a_live_session_keeps_its_keys_and_only_its_region_changes(rig: Rig) -> None:
    before = rig.start_session("dev-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        assert app.roles.book.row("dev-admin", rig.clock()).region == "eu-west-1"
        await picker(pilot, app, "dev-admin")
        await pilot.press(*"us-west-2", "enter")
        await wait_until(pilot, lambda: recorder.of(RegionChanged))
        assert rig.gateway.count("assume_role") == rig.gateway.count("get_session_token") == 0  # no new keys
        after = rig.credentials.read_session("dev-admin", "dev-admin")
        assert after is not None and after.region == "us-west-2"
        assert after.credentials == before.credentials
        assert app.roles.book.row("dev-admin", rig.clock()).region == "us-west-2"
        assert "us-west-2" in app.roles.table.render_line(app.roles.table.view.index("dev-admin") + 1).text
        assert recorder.notified("now uses us-west-2")
        cached = rig.engine.sessions.get("dev-admin")
        assert cached is not None and cached.region == "us-west-2"


async def test_without_a_session_the_next_one_gets_the_region(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await picker(pilot, app, "staging-deploy")
        await pilot.press(*"ap-south-1", "enter")
        await wait_until(pilot, lambda: recorder.of(RegionChanged))
        assert rig.gateway.count("assume_role") == 0
        assert app.roles.book.row("staging-deploy", rig.clock()).region == "ap-south-1"
        await pilot.press("enter")
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        session = rig.credentials.read_session("staging-deploy", "staging-deploy")
        assert session is not None and session.region == "ap-south-1"


async def test_renewals_keep_the_region_picked(rig: Rig) -> None:
    rig.start_session("dev-admin")
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        await picker(pilot, app, "dev-admin")
        await pilot.press(*"sa-east-1", "enter")
        await wait_until(pilot, lambda: recorder.of(RegionChanged))
        rig.clock.step(3600 - 60)
        app.tick()
        await wait_until(pilot, lambda: recorder.of(SessionStarted))
        assert recorder.of(SessionStarted)[0].automatic
        renewed = rig.credentials.read_session("dev-admin", "dev-admin")
        assert renewed is not None and renewed.region == "sa-east-1"


async def test_recent_regions_come_first(rig: Rig) -> None:
    recorder = Recorder()
    app = rig.app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await settle(pilot)
        for region in ("eu-central-1", "us-east-2"):
            await picker(pilot, app, "manual")
            await pilot.press(*region, "enter")
            await wait_until(pilot, lambda r=region: any(f.region == r for f in recorder.of(RegionChanged)))
        screen = await picker(pilot, app, "dev-admin")
        assert offered(screen)[:2] == ["us-east-2", "eu-central-1"]


async def test_an_aws_cn_role_is_offered_only_its_partitions_regions(isolated_home: Path) -> None:
    rig = build_rig(isolated_home, CHINA)
    app = rig.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await picker(pilot, app, "china")
        assert offered(screen) == ["cn-north-1", "cn-northwest-1"]
