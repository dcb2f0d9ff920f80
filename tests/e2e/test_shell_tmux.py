"""The `sts` function in real bash, zsh and fish (tmux) against moto: the shell you are in changes role."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.home import BASE_SECRET, Home
from tests.support.tmux import Terminal

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is missing")]

SHOW = """\
import os, sys
def v(name):
    return os.environ.get(name, "-")
keys = "yes" if "AWS_ACCESS_KEY_ID" in os.environ else "no"
state = f"profile={v('AWS_PROFILE')} role={v('STSUI_ROLE')} keys={keys} region={v('AWS_REGION')}"
print(f"STATE-{sys.argv[1]} {state}")
if len(sys.argv) > 2:
    import boto3
    print("ARN-" + sys.argv[1], boto3.client("sts").get_caller_identity()["Arn"])
"""

RC = {
    "bash": 'PS1="$ "\nHISTFILE={history}\nPROMPT_COMMAND="history -a"\neval "$(stsui shell-init bash)"\n',
    "zsh": (
        "PROMPT='$ '\nHISTFILE={history}\nSAVEHIST=1000\nHISTSIZE=1000\nsetopt INC_APPEND_HISTORY\n"
        "autoload -U compinit && compinit -u\n"
        'eval "$(stsui shell-init zsh)"\n'
    ),
    "fish": "function fish_prompt; echo -n '$ '; end\nset -g fish_greeting\nstsui shell-init fish | source\n",
}


def at_prompt(screen: str) -> bool:
    lines = [line for line in screen.splitlines() if line.strip()]
    return bool(lines) and lines[-1].rstrip() == "$"


class Shell:
    """A real interactive shell in tmux with the rc line a user adds."""

    def __init__(self, term: Terminal, home: Home, kind: str, history: Path) -> None:
        self.term, self.home, self.kind, self.history = term, home, kind, history
        self.count = 0

    def run(self, line: str) -> None:
        """Type `line` at the prompt, once the prompt is back (keys typed earlier may be lost)."""
        self.term.wait_for(at_prompt, "the prompt")
        self.term.send("-l", line)
        self.term.send("Enter")

    def state(self, *, whoami: bool = False) -> str:
        """The environment a program started from the shell sees (and its caller identity)."""
        self.count += 1
        tag = str(self.count)
        self.run(f"python {self.home.root / 'show.py'} {tag}" + (" who" if whoami else ""))
        marker = f"ARN-{tag} " if whoami else f"STATE-{tag} "
        screen = self.term.wait_for(lambda s: re.search(re.escape(marker) + r"\S+", s) is not None, marker)
        state = re.search(rf"STATE-{tag} (.*)", screen)
        assert state is not None
        arn = re.search(rf"ARN-{tag} (\S+)", screen)
        return state.group(1).strip() + (f" arn={arn.group(1)}" if arn else "")


def shell_environment(home: Home) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in home.env.items() if k not in ("PS1", "PROMPT_COMMAND", "HISTFILE")}
    env.update(PATH=f"{bin_dir}:/usr/bin:/bin", TERM="xterm-256color", XDG_DATA_HOME=str(home.root / "data"))
    return env


@contextlib.contextmanager
def start_shell(home: Home, kind: str) -> Iterator[Shell]:
    if shutil.which(kind) is None:
        pytest.skip(f"{kind} is not installed")
    history = home.root / f"{kind}_history"
    (home.root / "show.py").write_text(SHOW)
    rc = home.root / f"rc.{kind}"
    rc.write_text(RC[kind].replace("{history}", str(history)))
    if kind == "bash":
        command = ["bash", "--noprofile", "--rcfile", str(rc), "-i"]
    elif kind == "zsh":
        (home.root / ".zshrc").write_text(rc.read_text())
        command = ["zsh", "-i"]
    else:  # fish writes no history with --no-config: the user's config file it is
        config = home.root / ".config" / "fish" / "config.fish"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(rc.read_text())
        command = ["fish", "-i"]
    env = shell_environment(home)
    if kind == "zsh":
        env["ZDOTDIR"] = str(home.root)
    term = Terminal(home.root, width=160, height=50)
    term.start(command, env)
    term.wait_for(lambda screen: re.search(r"^\$", screen, re.M) is not None, "the prompt")
    try:
        yield Shell(term, home, kind, history)
    finally:
        term.close()


@pytest.fixture(params=["bash", "zsh", "fish"])
def shell(request: pytest.FixtureRequest, home: Home) -> Iterator[Shell]:
    with start_shell(home, request.param) as started:
        yield started


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def secrets_of(home: Home) -> list[str]:
    """Every secret the test run produced: the sessions' secret keys and tokens, and the base secret."""
    found = [BASE_SECRET]
    for path in (home.cache / "sessions").glob("*.json"):
        data = json.loads(path.read_text())
        found += [data["SecretAccessKey"], data["SessionToken"], data["AccessKeyId"]]
    return found


def test_switch_by_name_env_back_and_off(shell: Shell) -> None:
    home = shell.home
    assert shell.state() == "profile=- role=- keys=no region=-"

    shell.run("sts prod-admin")
    assert shell.state(whoami=True) == (
        "profile=prod-admin role=prod-admin keys=no region=eu-west-1 "
        "arn=arn:aws:sts::111111111111:assumed-role/Admin/tester"
    )

    shell.run("sts --env staging-ro")
    assert shell.state(whoami=True) == (
        "profile=- role=staging-ro keys=yes region=eu-west-1 "
        "arn=arn:aws:sts::222222222222:assumed-role/ReadOnly/tester"
    )
    shell.run("stsui prompt")
    shell.term.wait_for(lambda s: re.search(r"^staging-ro 1h5\dm", s, re.M) is not None, "the prompt")

    # the function defined again (a second `source ~/.bashrc`) changes nothing and forgets nothing
    shell.run(
        {"fish": "stsui shell-init fish | source"}.get(shell.kind, f'eval "$(stsui shell-init {shell.kind})"')
    )
    shell.run("sts -")
    assert shell.state() == "profile=prod-admin role=prod-admin keys=no region=eu-west-1"
    shell.run("sts -")  # and back again, like cd -
    assert shell.state().startswith("profile=- role=staging-ro keys=yes")

    shell.run("sts --off")
    assert shell.state() == "profile=- role=- keys=no region=-"
    shell.run("sts -")
    assert shell.state().startswith("profile=- role=staging-ro keys=yes")

    if shell.kind == "fish":
        shell.run("history save")  # fish writes its history file now and then; bash and zsh at each line
    history_file = {"fish": home.root / "data" / "fish" / "fish_history"}.get(shell.kind, shell.history)
    wait_until(lambda: "sts --env staging-ro" in history_file.read_text(errors="replace"), "the history file")
    screen = shell.term.screen()
    history = "".join(p.read_text(errors="replace") for p in home.root.rglob("*history*") if p.is_file())
    assert "sts --env staging-ro" in history  # the history is written, but holds no secret
    for secret in secrets_of(home):
        assert secret not in screen
        assert secret not in history


def tui_ready(screen: str) -> bool:
    """The TUI has painted its table and footer (and reads keys)."""
    return re.search(r"staging-ro\s.*inactive", screen) is not None and "Use in shell" in screen


def test_sts_opens_the_tui_and_u_switches_the_shell(home: Home) -> None:
    with start_shell(home, "bash") as shell:
        shell.run("sts prod-admin")
        before = shell.state()
        shell.run("sts")
        screen = shell.term.wait_for(tui_ready, "the TUI")
        # drawn to the terminal's width (160), not the 80 columns of a pipe on stdout
        footer = next(line for line in screen.splitlines() if "Use in shell" in line)
        assert len(footer.rstrip()) > 120, screen
        shell.term.send("q")  # quitting without choosing changes nothing
        assert shell.state() == before

        shell.run("sts")
        shell.term.wait_for(tui_ready, "the TUI")
        shell.term.send("Down")  # staging-ro
        shell.term.send("u")
        assert shell.state(whoami=True) == (
            "profile=staging-ro role=staging-ro keys=no region=eu-west-1 "
            "arn=arn:aws:sts::222222222222:assumed-role/ReadOnly/tester"
        )
        shell.run("sts -")
        assert shell.state() == before


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_a_role_name_completes_with_tab(home: Home, kind: str) -> None:
    with start_shell(home, kind) as shell:
        shell.term.wait_for(at_prompt, "the prompt")
        shell.term.send("-l", "sts pro")
        shell.term.send("Tab")
        shell.term.wait_for(lambda s: "sts prod-admin" in s, "the completed role name")
        shell.term.send("Enter")
        assert shell.state().startswith("profile=prod-admin role=prod-admin")


def test_an_mfa_role_asks_for_its_code_on_the_terminal(home: Home) -> None:
    with start_shell(home, "bash") as shell:
        shell.run("sts mfa-ops")
        shell.term.wait_for_text("MFA code for arn:aws:iam::999999999999:mfa/tester")
        shell.term.send("-l", "123456")
        shell.term.send("Enter")
        assert shell.state().startswith("profile=mfa-ops role=mfa-ops keys=no")


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_tab_never_runs_a_role_name(home: Home, kind: str) -> None:
    """A roles file with keys a shell would run: Tab after `sts ` and `stsui assume ` lists the valid
    names and runs nothing; a normal name still completes."""
    from tests.integration.test_prompt_and_completion import hostile_roles

    ran = hostile_roles(home)
    with start_shell(home, kind) as shell:
        for line in ("sts ", "stsui assume "):
            shell.term.wait_for(at_prompt, "the prompt")
            shell.term.send("C-l")  # a clear screen: the names shown next are this Tab's
            shell.term.wait_for(lambda s: at_prompt(s) and "staging-ro" not in s, "a clear screen")
            shell.term.send("-l", line)
            # bash lists the candidates on the second Tab, zsh and fish on the first; the list shows once
            # the completion has run (a Ctrl-C sent while it runs would kill it, and the test would wait)
            shell.term.send(*(["Tab", "Tab"] if kind == "bash" else ["Tab"]))
            shell.term.wait_for(lambda s: "staging-ro" in s and "mfa-audit" in s, "the role names")
            assert list(ran.iterdir()) == []
            shell.term.send("C-c")
        shell.term.wait_for(at_prompt, "the prompt")
        shell.term.send("-l", "sts pro")
        shell.term.send("Tab")
        shell.term.wait_for(lambda s: "sts prod-admin" in s, "the completed role name")
        shell.term.send("C-c")
        assert "touch" not in shell.term.screen() and list(ran.iterdir()) == []
