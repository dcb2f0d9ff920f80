"""`make bench`: stsui against awsume, the AWS CLI and a bare Textual app, on one local STS, in one run.

Prints a markdown table of medians, ratios, targets and PASS/FAIL, and writes it to benchmarks/results.md.
Every tool runs in an isolated home (never the real ~/.aws) against moto on 127.0.0.1; the peers each run
from their own virtualenv under benchmarks/.work/, created on the first run. `--quick` is a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import fixtures
import peers
import terminal

from stsui.store.stamps import is_racy

HERE = Path(__file__).resolve().parent
STSUI = peers.STSUI.bin / "stsui"
"""stsui installed from the working tree (`pip install .`), as a user runs it."""
PYTHON = str(peers.STSUI.bin / "python")
"""The interpreter stsui runs on: `python -c pass`, the bare Textual app and configparser run on it too."""
BARE_APP = HERE / "bare_table.py"
TIME = "/usr/bin/time"
"""GNU time, for each command's peak memory."""
RESULTS = HERE / "results.md"

SCALE_ROLES, SCALE_SESSIONS = 10_000, 1_000
SMALL_ROLES = 50
FILTER_ROLE = "role-07777"
FILTER_TEXT = "07777"
"""Typed into the filter: only role-07777 matches it (in name and IAM role name; no other key has it)."""
ROW = r"(role-\d{5})\s+" + fixtures.ACCOUNT
"""A table row on screen: a role name followed by its account (the details panel does not count)."""
DISCOVERED_ROW = r"(acct-\d{4}\.\w+)\s+\d{12}"
"""A row of a role discovered through IAM Identity Center: its name followed by its account."""
PAINT_TIMEOUT = 60.0
SETTLE = 3.0
"""Seconds the 10k-role TUI is left alone after its first paint before the idle and filter measurements."""


class BenchError(Exception):
    """A run failed or did not do what it is compared on (e.g. no STS call); the figure is not valid."""


@dataclass
class Plan:
    rounds: int
    paint_rounds: int
    idle_rounds: int
    idle_seconds: float
    parts: set[str]
    wait_quiet: float


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    """CPU seconds (user + system) of each command run: less disturbed by a busy machine than wall time."""
    memory: dict[str, list[float]] = field(default_factory=dict)
    """Peak memory (maximum RSS, MB) of each command run or TUI process."""
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, value: float, cpu: float | None = None, memory: float | None = None) -> None:
        self.samples.setdefault(key, []).append(value)
        if cpu is not None:
            self.cpu.setdefault(key, []).append(cpu)
        if memory is not None:
            self.memory.setdefault(key, []).append(memory)

    def fail(self, key: str, error: Exception) -> None:
        print(f"  ! {key}: {error}", flush=True)
        self.errors.setdefault(key, str(error))

    def median(self, key: str) -> float | None:
        values = self.samples.get(key)
        return statistics.median(values) if values else None


# -- command-line runs --------------------------------------------------------------------------------------


@dataclass
class Job:
    """One timed command: `prepare` runs untimed before it, `check` says what is wrong with its output."""

    key: str
    argv: list[str]
    env: dict[str, str]
    check: Callable[[subprocess.CompletedProcess[str]], str | None] = lambda done: None
    prepare: Callable[[], None] = lambda: None

    def run(self) -> tuple[float, float, float]:
        """Wall seconds, CPU seconds (user + system) and peak memory (MB, the command's maximum RSS)."""
        self.prepare()
        with tempfile.NamedTemporaryFile() as usage:
            # /usr/bin/time reports its child's own peak: a child forked from this (large) process directly
            # would count this process's pages in its maximum RSS.
            argv = [TIME, "-q", "-o", usage.name, "-f", "%e %U %S %M", *self.argv]
            start = time.perf_counter()
            done = subprocess.run(argv, env=self.env, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - start
            _, user, system, peak = Path(usage.name).read_text().split()[-4:]
        cpu = float(user) + float(system)
        memory = int(peak) / 1024  # KiB
        if done.returncode != 0:
            raise BenchError(f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[:300]}")
        problem = self.check(done)
        if problem:
            raise BenchError(problem)
        return elapsed, cpu, memory


def rotated(items: Sequence[Job], by: int) -> list[Job]:
    """The same jobs starting at another one each round, so no tool always runs first or last."""
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def run_rounds(jobs: Sequence[Job], rounds: int, results: Results) -> None:
    for job in jobs:  # warm-up, not counted: the page cache, .pyc files, moto's first request
        try:
            job.run()
        except BenchError as error:
            results.fail(job.key, error)
    for index in range(rounds):
        for job in rotated(jobs, index):
            if job.key in results.errors:
                continue
            try:
                results.add(job.key, *job.run())
            except BenchError as error:
                results.fail(job.key, error)
        print(f"  round {index + 1}/{rounds} done", flush=True)


def ini_value(path: Path, section: str, key: str) -> str | None:
    """A value of the credentials file, read the way botocore reads it."""
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path, encoding="utf-8")
    return parser.get(section, key, fallback=None)


def cli_jobs(sts: fixtures.LocalSts, work: Path) -> list[Job]:
    """Parts 1 and 2: each tool in its own home, one role, the same local STS. Verifies each hits moto."""
    name, profile = fixtures.role_name(1), fixtures.PEER_PROFILE
    homes = {
        tool: fixtures.make_sandbox(work / f"cli-{tool}", sts.endpoint, SMALL_ROLES)
        for tool in ("stsui", "stsui-cp", "awsume", "aws")
    }
    settled(homes["stsui"])
    settled(homes["stsui-cp"])

    def stsui_wrote_new_session(done: subprocess.CompletedProcess[str]) -> str | None:
        return None if "new session" in done.stdout else f"no new session: {done.stdout.strip()}"

    def awsume_said_awsume(done: subprocess.CompletedProcess[str]) -> str | None:
        return None if done.stdout.startswith("Awsume ") else f"unexpected output: {done.stdout[:200]}"

    def aws_returned_credentials(done: subprocess.CompletedProcess[str]) -> str | None:
        return None if '"AccessKeyId"' in done.stdout else f"unexpected output: {done.stdout[:200]}"

    # credential-process needs a valid session at hand: assume once, then every call must reuse it.
    cp_home = homes["stsui-cp"]
    subprocess.run([str(STSUI), "assume", name], env=cp_home.env, capture_output=True, check=True)
    held_key = ini_value(cp_home.credentials, name, "aws_access_key_id")

    def stsui_reused(done: subprocess.CompletedProcess[str]) -> str | None:
        key = json.loads(done.stdout).get("AccessKeyId")
        return None if key == held_key else f"called STS instead of reusing the session ({key} != {held_key})"

    def signed_with_held_key(done: subprocess.CompletedProcess[str]) -> str | None:
        import base64

        token = json.loads(done.stdout)["status"]["token"].removeprefix("k8s-aws-v1.")
        url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return (
            None
            if f"X-Amz-Credential={held_key}%2F" in url
            else f"not signed with the held session: {url[:120]}"
        )

    # `aws eks get-token` signs with the same session, handed to it in the environment
    held = {
        "AWS_ACCESS_KEY_ID": held_key or "",
        "AWS_SECRET_ACCESS_KEY": ini_value(cp_home.credentials, name, "aws_secret_access_key") or "",
        "AWS_SESSION_TOKEN": ini_value(cp_home.credentials, name, "aws_session_token") or "",
    }
    aws_env = {**cp_home.env, **held, "AWS_DEFAULT_REGION": "us-east-1"}

    def prompt_named(role: str) -> Callable[[subprocess.CompletedProcess[str]], str | None]:
        return lambda done: None if done.stdout.startswith(role + " ") else f"prompt said {done.stdout!r}"

    jobs = [
        Job("stsui assume", [str(STSUI), "assume", name], homes["stsui"].env,
            stsui_wrote_new_session, prepare=homes["stsui"].reset),
        Job("stsui credential-process", [str(STSUI), "credential-process", name], cp_home.env, stsui_reused),
        Job("awsume -o", peers.awsume_assume(profile, "bench-out"), homes["awsume"].env, awsume_said_awsume),
        Job("aws sts assume-role", peers.aws_assume_role(fixtures.role_arn(1)), homes["aws"].env,
            aws_returned_credentials),
        Job("python -c pass", [PYTHON, "-c", "pass"], homes["stsui"].env),
        Job("stsui prompt", [str(STSUI), "prompt"], {**cp_home.env, "AWS_PROFILE": name}, prompt_named(name)),
        Job(EKS, [str(STSUI), "eks-token", name, "--cluster", "bench"], cp_home.env, signed_with_held_key),
        Job(AWS_EKS, peers.aws_eks_get_token("bench"), aws_env, signed_with_held_key),
    ]  # fmt: skip
    verify_sts_calls(jobs, homes, sts)
    return jobs


def verify_sts_calls(jobs: Sequence[Job], homes: dict[str, fixtures.Sandbox], sts: fixtures.LocalSts) -> None:
    """Each tool's credentials must come from this moto server, or the comparison means nothing."""
    by_key = {job.key: job for job in jobs}
    by_key["stsui assume"].run()
    by_key["awsume -o"].run()
    done = subprocess.run(
        by_key["aws sts assume-role"].argv, env=homes["aws"].env, capture_output=True, text=True
    )
    written = {
        "stsui assume": ini_value(homes["stsui"].credentials, fixtures.role_name(1), "aws_access_key_id"),
        "awsume -o": ini_value(homes["awsume"].credentials, "bench-out", "aws_access_key_id"),
        "aws sts assume-role": json.loads(done.stdout)["Credentials"]["AccessKeyId"] if done.stdout else None,
    }
    issued = sts.issued_keys()
    for tool, key in written.items():
        if key not in issued:
            raise BenchError(
                f"{tool} did not get its credentials ({key}) from the local STS at {sts.endpoint}"
            )
        print(f"  verified: {tool} got {key} from the local STS", flush=True)


# -- what a user's run meets: a roles file validated and cached, past the racy window ---------------------


def past_racy_window(*paths: Path) -> None:
    """Wait until each of `paths` changed longer ago than the roles cache's racy window (stsui.store.stamps):
    a run inside it validates again (a same-size edit in the same clock tick could hide from a stat)."""
    for path in paths:
        while is_racy(path.stat(), time.time_ns()):
            time.sleep(0.05)


def settled(box: fixtures.Sandbox) -> fixtures.Sandbox:
    """`box` once stsui validated and cached its roles file (and named the roles in its discovery cache)
    past the racy window, as a user's runs find it (the first run after an edit is measured apart)."""
    past_racy_window(box.roles_file, *sorted((box.cache / "stsui" / "sso").glob("*.json")))
    subprocess.run([str(STSUI), "list", "--json"], env=box.env, capture_output=True, check=True)
    return box


def edit_roles(box: fixtures.Sandbox) -> Callable[[], None]:
    """A `prepare` step: change the roles file (a comment appended), then wait past the racy window; the run
    that follows is the first after an edit, which validates the file again."""
    edits = iter(range(1, 1_000_000))

    def edit() -> None:
        with box.roles_file.open("a", encoding="utf-8") as out:
            out.write(f"# edit {next(edits)}\n")
        past_racy_window(box.roles_file)

    return edit


# -- the TUI in tmux -----------------------------------------------------------------------------------------


def tmux_env(env: dict[str, str]) -> dict[str, str]:
    """A sandbox environment without what tmux sets for its panes (TERM, …)."""
    return {
        k: v
        for k, v in env.items()
        if k not in {"TERM", "TMUX", "TMUX_PANE", "COLORTERM", "COLUMNS", "LINES"}
    }


def stop(term: terminal.Tmux, session: str, pid: int | None) -> None:
    """Kill the tmux session and make sure the app's process is gone before the next run."""
    term.kill(session)
    if pid is None:
        return
    deadline = time.monotonic() + 3
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def first_paint(
    term: terminal.Tmux, session: str, argv: list[str], env: dict[str, str], row: str = ROW
) -> tuple[float, int]:
    """Seconds from spawning `argv` in a fresh terminal to the first table row on screen; and its pid."""
    start = time.perf_counter()
    term.spawn(session, argv, tmux_env(env))
    seen = term.wait_for(
        session, terminal.contains(row), since=start, timeout=PAINT_TIMEOUT, what="first row"
    )
    return seen.seconds, term.pane_pid(session)


def filter_time(term: terminal.Tmux, session: str) -> float:
    """Seconds from typing the filter text to the screen showing only its one matching row."""
    term.send_keys(session, "/")
    time.sleep(0.5)  # the filter input opens and takes focus; the clock starts with the typing
    start = time.perf_counter()
    term.send_keys(session, FILTER_TEXT)
    seen = term.wait_for(
        session, terminal.only_role(FILTER_ROLE, ROW), since=start, timeout=30, what=f"only {FILTER_ROLE}"
    )
    return seen.seconds


@dataclass(frozen=True)
class App:
    key: str
    argv: list[str]
    env: dict[str, str]
    after_paint: Callable[[terminal.Tmux, str, int, int], None] | None = None
    row: str = ROW
    """What a table row of this app looks like on screen."""


def run_paints(term: terminal.Tmux, apps: Sequence[App], rounds: int, results: Results) -> None:
    """Each app once per round (order rotated), in a new tmux session each time, killed afterwards."""
    for index in range(-1, rounds):  # round -1 is a warm-up
        order = list(apps[index % len(apps) :]) + list(apps[: index % len(apps)])
        for app in order:
            if app.key in results.errors:
                continue
            session, pid = f"run{index + 1}", None
            try:
                seconds, pid = first_paint(term, session, app.argv, app.env, app.row)
                if app.after_paint is not None:
                    app.after_paint(term, session, pid, index)
                if index >= 0:
                    results.add(app.key, seconds, memory=terminal.peak_memory_mb(pid))
            except terminal.NeverShown as error:
                results.fail(app.key, error)
                save_screen(app.key, error.screen)
            except (BenchError, RuntimeError) as error:
                results.fail(app.key, error)
            finally:
                stop(term, session, pid)
        if index >= 0:
            print(f"  paint round {index + 1}/{rounds} done", flush=True)


def save_screen(key: str, screen: str) -> None:
    path = peers.WORK / f"last-screen-{key.replace(' ', '-').replace(',', '')}.txt"
    path.write_text(screen, encoding="utf-8")
    print(f"    last screen saved to {path}", flush=True)


def scale_after_paint(
    plan: Plan, results: Results, size: str = "10k"
) -> Callable[[terminal.Tmux, str, int, int], None]:
    """For the large TUIs: idle CPU while 1,000 countdowns tick, then the filter."""
    idle, filtered = f"stsui TUI idle CPU, {size}", f"stsui TUI filter, {size}"

    def measure(term: terminal.Tmux, session: str, pid: int, index: int) -> None:
        if index < 0:
            return
        time.sleep(SETTLE)
        if index < plan.idle_rounds:
            try:
                results.add(idle, terminal.idle_cpu_percent(pid, plan.idle_seconds))
            except OSError as error:
                results.fail(idle, error)
        try:
            results.add(filtered, filter_time(term, session))
        except terminal.NeverShown as error:
            results.fail(filtered, error)
            save_screen(f"filter-{size}", error.screen)

    return measure


# -- the report --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    part: str
    what: str
    key: str
    limit: float | None
    """None: a figure for reference, without a target."""
    versus: str | None = None
    """None: `limit` is absolute (seconds or %); else the key of the baseline and `limit` a ratio."""
    unit: str = "s"
    """"s", "%" (of one core) or "MB" (peak memory, from the runs' maximum RSS)."""


AWSUME, AWSCLI, PASS = "awsume -o", "aws sts assume-role", "python -c pass"
EKS, AWS_EKS = "stsui eks-token", "aws eks get-token"
TUI_50 = "stsui TUI paint, 50"
CP, BARE_50, BARE_10K = "stsui credential-process", "bare DataTable paint, 50", "bare DataTable paint, 10k"
READ_50K, ASSUME_50K = "configparser read, 50k sections", "stsui assume, 50k sections"
FORGET_50K, LIST_50K = "stsui forget, 50k sections", "stsui list --json, 50k sections"
TUI_50K, CP_10K = "stsui TUI paint, 50k sections", "stsui credential-process, 10k roles"
ASSUME_5K, FORGET_5K = "stsui assume, 5k sections", "stsui forget, 5k sections"
LIST_5K, CP_10 = "stsui list --json, 5k sections", "stsui credential-process, 10 roles"
LIST_EDITED = "stsui list --json, 10k, first run after an edit"
LIST_100K, LIST_10K_6 = "stsui list --json, 100k", "stsui list --json, 10k (part 6)"
AWSUME_6 = "awsume -o (part 6)"
TUI_100K, IDLE_100K = "stsui TUI paint, 100k", "stsui TUI idle CPU, 100k"
CP_SSO, LIST_SSO = "stsui credential-process, a discovered role", "stsui list --json, 20k discovered"
TUI_SSO = "stsui TUI paint, 20k discovered"
CP_VS_AWSUME = 0.15
"""credential-process with a cached session against awsume assuming the role (#21 item 6; it was 0.2)."""
TARGETS = [
    Target("1", "`stsui assume NAME` (new session, profile written)", "stsui assume", 0.70, AWSUME),
    Target("1", "`stsui assume NAME`, against the AWS CLI", "stsui assume", None, AWSCLI),
    Target("2", "`stsui credential-process NAME`, valid session", CP, CP_VS_AWSUME, AWSUME),
    Target("2", "`stsui credential-process NAME`, against the AWS CLI", CP, None, AWSCLI),
    Target("2", "`stsui credential-process NAME`, against a bare interpreter", CP, None, PASS),
    Target("2", "`stsui prompt`, a live session in AWS_PROFILE", "stsui prompt", 1.50, PASS),
    Target("2", "`stsui eks-token NAME --cluster C`, valid session", EKS, 0.25, AWS_EKS),
    Target("3", "TUI first paint, 50 roles", "stsui TUI paint, 50", 1.25, BARE_50),
    Target("4", "TUI first paint, 10k roles + 1k sessions", "stsui TUI paint, 10k", 0.60, BARE_10K),
    Target("4", "TUI filter to one row, 10k roles", "stsui TUI filter, 10k", 0.50),
    Target("4", "`stsui list --json`, 10k roles + 1k sessions", "stsui list --json, 10k", 0.25),
    Target("4", "`stsui list --json`, 10k + 1k, first run after an edit", LIST_EDITED, None),
    Target("4", "TUI idle CPU, 1k countdowns (% of one core)", "stsui TUI idle CPU, 10k", 3.0, unit="%"),
    Target("5", "`stsui assume NAME` into a 50k-section credentials file", ASSUME_50K, 0.50, READ_50K),
    Target("5", "`stsui assume NAME`, 50k sections: peak memory", ASSUME_50K, 100, unit="MB"),
    Target("5", "`stsui assume NAME`, growth 5k -> 50k sections", ASSUME_50K, 10, ASSUME_5K),
    Target("5", "`stsui forget NAME`, 50k sections", FORGET_50K, 0.50, READ_50K),
    Target("5", "`stsui forget NAME`, 50k sections: peak memory", FORGET_50K, 100, unit="MB"),
    Target("5", "`stsui forget NAME`, growth 5k -> 50k sections", FORGET_50K, 10, FORGET_5K),
    Target("5", "`stsui list --json`, 50k sections", LIST_50K, 0.50, READ_50K),
    Target("5", "`stsui list --json`, 50k sections: peak memory", LIST_50K, 100, unit="MB"),
    Target("5", "`stsui list --json`, growth 5k -> 50k sections", LIST_50K, 10, LIST_5K),
    Target("5", "TUI first paint, 50k sections", TUI_50K, 0.50, READ_50K),
    Target("5", "TUI first paint, 50k sections: peak memory", TUI_50K, 100, unit="MB"),
    Target("5", "TUI first paint, growth 5k -> 50k sections", TUI_50K, 10, "stsui TUI paint, 5k sections"),
    Target("5", "configparser reading the 50k-section file: peak memory", READ_50K, None, unit="MB"),
    Target("6", "`stsui credential-process NAME`, 10k roles vs 10 roles", CP_10K, 1.30, CP_10),
    Target("6", "`stsui credential-process NAME`, 10k roles, against awsume", CP_10K, CP_VS_AWSUME, AWSUME_6),
    Target("6", "`stsui list --json`, 100k roles + 1k sessions vs 10k", LIST_100K, 10, LIST_10K_6),
    Target("6", "`stsui list --json`, 100k roles: peak memory", LIST_100K, None, unit="MB"),
    Target("6", "TUI first paint, 100k roles + 1k sessions vs 50 roles", TUI_100K, 1.5, TUI_50),
    Target("6", "TUI filter to one row, 100k roles", "stsui TUI filter, 100k", 0.30),
    Target("6", "TUI idle CPU, 100k roles (% of one core)", IDLE_100K, 2.0, unit="%"),
    Target("6", "TUI 100k roles: peak memory", TUI_100K, None, unit="MB"),
    Target("7", "`stsui credential-process NAME`, a discovered role, 20k vs 10 discovered",
           f"{CP_SSO}, 20k discovered", 1.30, f"{CP_SSO}, 10 discovered"),
    Target("7", "TUI first paint, 20k discovered roles + 500 sessions vs 50 roles", TUI_SSO, 1.5, TUI_50),
    Target("7", "TUI 20k discovered roles: peak memory", TUI_SSO, None, unit="MB"),
    Target("7", "`stsui list --json`, 20k discovered roles + 500 sessions", LIST_SSO, None),
    Target("7", "`stsui list --json`, 20k discovered roles: peak memory", LIST_SSO, None, unit="MB"),
]  # fmt: skip


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.1f} %" if unit == "%" else f"{value:.3f} s"


def target_row(target: Target, results: Results) -> str:
    series = results.memory if target.unit == "MB" else results.samples
    values = series.get(target.key)
    mine = statistics.median(values) if values else None
    limit = "" if target.limit is None else f"≤ {target.limit:g}"
    if target.versus is None:
        base, ratio, figure = "—", "—", mine
        wanted = f"{limit} {target.unit}"
    else:
        other = results.median(target.versus)
        base = f"{target.versus}: {fmt(other, target.unit)}"
        figure = mine / other if mine is not None and other else None
        ratio = "—" if figure is None else f"{figure:.2f}"
        wanted = f"{limit} x"
    error = results.errors.get(target.key) or (target.versus and results.errors.get(target.versus))
    if target.limit is None:
        wanted, verdict = "—", "(reference)"
    elif figure is None:
        verdict = f"FAIL ({error[:60]})" if error else "FAIL (not measured)"
    else:
        verdict = "PASS" if figure <= target.limit else "FAIL"
        if error:
            verdict += " (incomplete: a run failed)"
    cells = [target.part, target.what, fmt(mine, target.unit), base, ratio, wanted, verdict]
    return "| " + " | ".join(cells) + " |"


def report(results: Results, environment: list[str], plan: Plan) -> str:
    lines = [
        "# stsui benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M UTC}. " + "; ".join(environment),
        "",
    ]
    lines += [
        "| part | measure | stsui (median) | compared with (median) | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [target_row(target, results) for target in TARGETS if target.part in plan.parts]
    lines += ["", "Every series (seconds, or % of one core for CPU):", ""]
    lines += [
        "| series | n | median | min | max | CPU s (median) | peak MB (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, values in results.samples.items():
        cpu, memory = results.cpu.get(key), results.memory.get(key)
        cells = [
            key,
            str(len(values)),
            *(f"{v:.3f}" for v in (statistics.median(values), min(values), max(values))),
            f"{statistics.median(cpu):.3f}" if cpu else "",
            f"{statistics.median(memory):.0f}" if memory else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for key, error in results.errors.items():
        lines.append(f"| {key} | failed: {error[:120]} | | | | | |")
    lines += [
        "",
        f"Method: {plan.rounds} rounds for commands, {plan.paint_rounds} for TUI paints (one warm-up each, "
        "not counted), tools interleaved with the order rotated every round; wall time of `subprocess.run` "
        "(commands) or from `tmux new-session` until `capture-pane` shows a table row (TUI, "
        f"{terminal.WIDTH}x{terminal.HEIGHT}, polled every {terminal.POLL_INTERVAL * 1000:.0f} ms); "
        f"filter: from `send-keys "
        f"{FILTER_TEXT}` (after `/`) until {FILTER_ROLE} is the only row; idle CPU: /proc/PID/stat "
        f"utime+stime over {plan.idle_seconds:g} s, {SETTLE:g} s after the first paint.",
        "",
    ]
    return "\n".join(lines)


def environment() -> list[str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "?"

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.machine(),
    )  # fmt: skip
    tmux = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    return [
        f"{os.cpu_count()} CPUs ({cpu})",
        f"Python {platform.python_version()}",
        f"stsui {version('stsui')}",
        f"awsume {peers.AWSUME.version()}",
        f"awscli {peers.AWSCLI.version()}",
        f"textual {version('textual')}",
        f"moto {version('moto')}",
        f"boto3 {version('boto3')}",
        tmux,
        "load average at start {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    ]


# -- main ----------------------------------------------------------------------------------------------------


def busy_fraction(seconds: float) -> float:
    """How busy all CPUs were over the next `seconds` (0 idle .. 1 saturated), from /proc/stat."""

    def snapshot() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, total

    idle_before, total_before = snapshot()
    time.sleep(seconds)
    idle_after, total_after = snapshot()
    return 1 - (idle_after - idle_before) / max(1, total_after - total_before)


def wait_for_quiet(limit: float, threshold: float = 0.25) -> None:
    """Give other work on the machine up to `limit` seconds to calm down: timings on a busy machine lie."""
    deadline = time.monotonic() + limit
    while limit > 0:
        busy = busy_fraction(2.0)
        if busy <= threshold:
            return
        if time.monotonic() > deadline:
            print(f"  machine still {busy:.0%} busy after {limit:g} s; measuring anyway", flush=True)
            return
        print(f"  machine {busy:.0%} busy; waiting for it to calm down ...", flush=True)


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 rounds, short idle window")
    parser.add_argument("--rounds", type=int, help="rounds for command-line runs (default 15)")
    parser.add_argument("--paint-rounds", type=int, help="rounds for TUI paints (default 7)")
    parser.add_argument("--idle-seconds", type=float, help="idle CPU window (default 10)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60.0,
        help="wait up to this long for an idle machine (default 60 s)",
    )
    parser.add_argument("--only", default="1,2,3,4,5,6,7", help="parts to run, e.g. '3,4' (default all)")
    args = parser.parse_args(argv)
    quick = args.quick
    return Plan(
        rounds=args.rounds or (3 if quick else 15),
        paint_rounds=args.paint_rounds or (3 if quick else 7),
        idle_rounds=1 if quick else 3,
        idle_seconds=args.idle_seconds or (5.0 if quick else 10.0),
        parts=set(args.only.split(",")),
        wait_quiet=args.wait_quiet,
    )


def part_commands(sts: fixtures.LocalSts, plan: Plan, results: Results) -> None:
    print("Parts 1-2: assume and credential-process ...", flush=True)
    run_rounds(cli_jobs(sts, peers.WORK), plan.rounds, results)


def part_small_tui(sts: fixtures.LocalSts, term: terminal.Tmux, plan: Plan, results: Results) -> None:
    print(f"Part 3: TUI first paint, {SMALL_ROLES} roles ...", flush=True)
    small = settled(fixtures.make_sandbox(peers.WORK / "tui-50", sts.endpoint, SMALL_ROLES))
    apps = [
        App("stsui TUI paint, 50", [str(STSUI)], small.env),
        App("bare DataTable paint, 50", [PYTHON, str(BARE_APP), str(small.rows_file)], small.env),
    ]
    run_paints(term, apps, plan.paint_rounds, results)


def part_scale(sts: fixtures.LocalSts, term: terminal.Tmux, plan: Plan, results: Results) -> None:
    print(f"Part 4: {SCALE_ROLES} roles, {SCALE_SESSIONS} live sessions ...", flush=True)
    big = settled(fixtures.make_sandbox(peers.WORK / "scale", sts.endpoint, SCALE_ROLES, SCALE_SESSIONS))
    run_rounds([list_job(big)], plan.rounds, results)
    edited = list_job(big, LIST_EDITED)
    run_rounds([replace(edited, prepare=edit_roles(big))], max(3, plan.rounds // 3), results)
    apps = [
        App("stsui TUI paint, 10k", [str(STSUI)], big.env, scale_after_paint(plan, results)),
        App("bare DataTable paint, 10k", [PYTHON, str(BARE_APP), str(big.rows_file)], big.env),
    ]
    run_paints(term, apps, plan.paint_rounds, results)


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse_plan(argv)
    peers.WORK.mkdir(parents=True, exist_ok=True)
    print("Preparing peers ...", flush=True)
    for peer in (peers.AWSUME, peers.AWSCLI, peers.STSUI):
        peer.ensure()
    env = environment()
    print("Environment: " + "; ".join(env), flush=True)
    results = Results()
    sts = fixtures.LocalSts()
    print(f"Local STS at {sts.endpoint}", flush=True)
    term_env = tmux_env(fixtures.clean_environment(peers.WORK / "tmux", sts.endpoint))
    term = terminal.Tmux(f"stsui-bench-{os.getpid()}", term_env)
    try:
        if plan.parts & {"1", "2"}:
            wait_for_quiet(plan.wait_quiet)
            part_commands(sts, plan, results)
        if "3" in plan.parts:
            wait_for_quiet(plan.wait_quiet)
            part_small_tui(sts, term, plan, results)
        if "4" in plan.parts:
            wait_for_quiet(plan.wait_quiet)
            part_scale(sts, term, plan, results)
        if "5" in plan.parts:
            wait_for_quiet(plan.wait_quiet)
            part_big_credentials(sts, term, plan, results)
        if "6" in plan.parts:
            wait_for_quiet(plan.wait_quiet)
            part_many_roles(sts, term, plan, results)
        if "7" in plan.parts:
            wait_for_quiet(plan.wait_quiet)
            part_discovered(sts, term, plan, results)
    finally:
        term.close()
        sts.stop()
    env.append("at end {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    text = report(results, env, plan)
    print()
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"Written to {RESULTS}")
    return 0


def list_job(
    sandbox: fixtures.Sandbox,
    key: str = "stsui list --json, 10k",
    roles: int = SCALE_ROLES,
    sessions: int = SCALE_SESSIONS,
) -> Job:
    def all_roles_listed(done: subprocess.CompletedProcess[str]) -> str | None:
        rows = json.loads(done.stdout)
        active = sum(1 for row in rows if row.get("status") == "active")
        if len(rows) != roles or active != sessions:
            return f"listed {len(rows)} roles, {active} active; expected {roles}, {sessions}"
        return None

    return Job(key, [str(STSUI), "list", "--json"], sandbox.env, all_roles_listed)  # fmt: skip


# -- part 5: a credentials file of 50,000 sections ------------------------------------------------------

BIG_SECTIONS = {"5k": 5_000, "50k": 50_000}


def part_big_credentials(sts: fixtures.LocalSts, term: terminal.Tmux, plan: Plan, results: Results) -> None:
    """assume, forget, list and the TUI's reading against a credentials file of 5k and 50k other profiles,
    beside configparser (what botocore uses) reading the same file. The file is restored before each run."""
    print("Part 5: a credentials file of 5k and 50k sections ...", flush=True)
    name = fixtures.role_name(1)
    jobs: list[Job] = []
    apps: list[App] = []
    for size, count in BIG_SECTIONS.items():
        sandbox = settled(fixtures.make_sandbox(peers.WORK / f"big-{size}", sts.endpoint, SMALL_ROLES))
        plain = fixtures.grow_credentials(sandbox, count, owned_session=False)
        owned = fixtures.grow_credentials(sandbox, count, owned_session=True)

        def restore(data: bytes, box: fixtures.Sandbox = sandbox) -> Callable[[], None]:
            def write() -> None:
                box.credentials.write_bytes(data)
                for cached in (box.cache / "stsui" / "sessions").glob("*.json"):
                    cached.unlink()

            return write

        def kept(data: bytes, box: fixtures.Sandbox = sandbox) -> Callable[..., str | None]:
            def check(done: subprocess.CompletedProcess[str]) -> str | None:
                after = box.credentials.read_bytes()
                return None if len(after) > len(data) // 2 else "the credentials file lost its profiles"

            return check

        def forgot(done: subprocess.CompletedProcess[str], box: fixtures.Sandbox = sandbox) -> str | None:
            return None if box.credentials.read_bytes() == plain_by_size[box.root.name] else "bytes changed"

        plain_by_size[sandbox.root.name] = plain
        jobs += [
            Job(f"configparser read, {size} sections", [PYTHON, "-c", READ_SCRIPT, str(sandbox.credentials)],
                sandbox.env, prepare=restore(plain)),
            Job(f"stsui assume, {size} sections", [str(STSUI), "assume", name], sandbox.env, kept(plain),
                prepare=restore(plain)),
            Job(f"stsui forget, {size} sections", [str(STSUI), "forget", name], sandbox.env, forgot,
                prepare=restore(owned)),
            Job(f"stsui list --json, {size} sections", [str(STSUI), "list", "--json"], sandbox.env,
                prepare=restore(owned)),
        ]  # fmt: skip
        apps.append(App(f"stsui TUI paint, {size} sections", [str(STSUI)], sandbox.env))
    run_rounds(jobs, max(3, plan.rounds // 3), results)
    run_paints(term, apps, plan.paint_rounds, results)


plain_by_size: dict[str, bytes] = {}
READ_SCRIPT = "import configparser, sys; configparser.RawConfigParser().read(sys.argv[1])"


# -- part 6: 10,000 and 100,000 roles ----------------------------------------------------------------

HUGE_ROLES = 100_000


def part_many_roles(sts: fixtures.LocalSts, term: terminal.Tmux, plan: Plan, results: Results) -> None:
    """credential-process with 10 and 10k roles, `list --json` and the TUI with 100k roles + 1k sessions."""
    print(f"Part 6: credential-process at 10 and 10k roles; {HUGE_ROLES} roles ...", flush=True)
    name = fixtures.role_name(1)
    jobs = []
    for size, count in (("10 roles", 10), ("10k roles", SCALE_ROLES)):
        box = settled(fixtures.make_sandbox(peers.WORK / f"cp-{count}", sts.endpoint, count))
        subprocess.run([str(STSUI), "assume", name], env=box.env, capture_output=True, check=True)
        held = ini_value(box.credentials, name, "aws_access_key_id")

        def reused(done: subprocess.CompletedProcess[str], held: str | None = held) -> str | None:
            key = json.loads(done.stdout).get("AccessKeyId")
            return None if key == held else f"called STS instead of reusing the session ({key} != {held})"

        jobs.append(Job(f"stsui credential-process, {size}", [str(STSUI), "credential-process", name],
                        box.env, reused))  # fmt: skip
    peer = fixtures.make_sandbox(peers.WORK / "cp-awsume", sts.endpoint, SMALL_ROLES)
    jobs.append(Job(AWSUME_6, peers.awsume_assume(fixtures.PEER_PROFILE, "bench-out"), peer.env))
    big = settled(fixtures.make_sandbox(peers.WORK / "scale-6", sts.endpoint, SCALE_ROLES, SCALE_SESSIONS))
    jobs.append(list_job(big, LIST_10K_6))
    huge = settled(fixtures.make_sandbox(peers.WORK / "huge", sts.endpoint, HUGE_ROLES, SCALE_SESSIONS))
    jobs.append(list_job(huge, LIST_100K, HUGE_ROLES, SCALE_SESSIONS))
    run_rounds(jobs, plan.rounds, results)
    apps = [App("stsui TUI paint, 100k", [str(STSUI)], huge.env, scale_after_paint(plan, results, "100k"))]
    run_paints(term, apps, plan.paint_rounds, results)


# -- part 7: 20,000 roles discovered through IAM Identity Center -------------------------------------------

SSO_ACCOUNTS, SSO_SESSIONS = 4_000, 500
"""4,000 accounts x 5 permission sets (a large organisation), 500 of them with a live session."""


def part_discovered(sts: fixtures.LocalSts, term: terminal.Tmux, plan: Plan, results: Results) -> None:
    """credential-process for a discovered role with 10 and 20,000 discovered roles; `list --json` and the
    TUI's first paint with 20,000, from a synced discovery cache."""
    print(f"Part 7: {SSO_ACCOUNTS * 5} roles discovered through IAM Identity Center ...", flush=True)
    name = fixtures.discovered_name(1, fixtures.PERMISSION_SETS[0])
    held = "ASIASSO" + "1".rjust(13, "0")  # the key of the first live session (fixtures._discovered_session)

    def reused(done: subprocess.CompletedProcess[str]) -> str | None:
        key = json.loads(done.stdout).get("AccessKeyId")
        return None if key == held else f"did not hand out the cached session ({key} != {held})"

    boxes = {}
    jobs = []
    for size, accounts, sessions in (("10", 2, 10), ("20k", SSO_ACCOUNTS, SSO_SESSIONS)):
        box = boxes[size] = settled(
            fixtures.make_sso_sandbox(peers.WORK / f"sso-{size}", sts.endpoint, accounts, sessions)
        )
        jobs.append(Job(f"{CP_SSO}, {size} discovered", [str(STSUI), "credential-process", name], box.env,
                        reused))  # fmt: skip
    jobs.append(list_job(boxes["20k"], LIST_SSO, SSO_ACCOUNTS * 5, SSO_SESSIONS))
    run_rounds(jobs, plan.rounds, results)
    apps = [App(TUI_SSO, [str(STSUI)], boxes["20k"].env, row=DISCOVERED_ROW)]
    run_paints(term, apps, plan.paint_rounds, results)


if __name__ == "__main__":
    sys.exit(main())
