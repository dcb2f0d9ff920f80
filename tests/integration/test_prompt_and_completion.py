"""`stsui prompt` and completion, run as the shell runs them: the real program, real bash and fish."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from stsui.cli.quick_shell import prompt_left
from stsui.store import ini
from stsui.store.keys import EXPIRES, MARKER
from stsui.store.stamps import identity
from tests.support.clock import real_now
from tests.support.grammar import parsed_by_the_parser
from tests.support.home import USER_CREDENTIALS, Home, modules_added

EXPIRED = f"""
[old]
aws_access_key_id = ASIAOLD
aws_secret_access_key = old-secret
aws_session_token = old-token
{EXPIRES} = 2020-01-01T00:00:00Z
{MARKER} = old-role
"""


def prompt(home: Home, *args: str, **env: str) -> str:
    done = home.run("prompt", *args, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def test_prompt_shows_the_profiles_role_and_time_left(home: Home) -> None:
    assert home.run("assume", "prod-admin").returncode == 0
    assert re.fullmatch(r"prod-admin (59m|1h00m)\n", prompt(home, AWS_PROFILE="prod-admin"))
    assert re.fullmatch(
        r"\[prod-admin\|(59m|1h00m)\|prod-admin\]\n",
        prompt(home, "--format", "[{role}|{left}|{profile}]", AWS_PROFILE="prod-admin"),
    )
    assert prompt(home, "--format={role}", AWS_PROFILE="prod-admin") == "prod-admin\n"


def test_prompt_says_expired_and_nothing_without_a_session(home: Home) -> None:
    home.credentials.write_text(USER_CREDENTIALS + EXPIRED)
    assert prompt(home, AWS_PROFILE="old") == "old-role expired\n"
    assert prompt(home) == ""  # no AWS_PROFILE, no keys
    assert prompt(home, AWS_PROFILE="personal") == ""  # long-term keys: no role, no expiry
    assert prompt(home, AWS_PROFILE="missing") == ""
    home.credentials.unlink()
    assert prompt(home, AWS_PROFILE="old") == ""


def test_prompt_reads_the_keys_of_sts_env(home: Home) -> None:
    expiry = (real_now() + timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {"AWS_ACCESS_KEY_ID": "ASIAX", "STSUI_ROLE": "staging-ro", "AWS_CREDENTIAL_EXPIRATION": expiry}
    assert re.fullmatch(r"staging-ro 2h(29|30)m\n", prompt(home, AWS_PROFILE="old", **env))


def test_prompt_escapes_what_the_file_says(home: Home) -> None:
    home.credentials.write_text(USER_CREDENTIALS + EXPIRED.replace("= old-role", "= evil\x1b]0;title\x07"))
    assert prompt(home, AWS_PROFILE="old") == "evil\\x1b]0;title\\x07 expired\n"


def readme_prompt_line(shell: str) -> str:
    """The README's prompt line for `shell`, as a user copies it into an rc file."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (line,) = [
        line for line in readme.splitlines() if line.startswith(("PS1=", "setopt")) and f"# {shell}" in line
    ]
    return line


SHOWN_LITERALLY = ["a%nb", "x%F{red}y%f", "100%", "a\\ub", "$(touch ran)", "`touch ran`", "{left}"]
"""Profile names a prompt must show as they are: zsh prompt escapes, bash prompt escapes, substitutions,
and a field of `--format`."""


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_the_readme_prompt_shows_every_name_as_it_is(home: Home, shell: str) -> None:
    """The README's PS1/PROMPT line, expanded by the real shell as it expands its prompt (bash `${PS1@P}`,
    zsh `${(%%)PROMPT}`: full prompt expansion with PROMPT_SUBST): the profile's name appears literally and
    nothing in it runs."""
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    sections = "".join(
        f"\n[{name}]\naws_session_token = t\n{EXPIRES} = 2099-01-01T00:00:00Z\n" for name in SHOWN_LITERALLY
    )
    home.credentials.write_text(USER_CREDENTIALS + sections)
    start, expand = {
        "bash": ("PS1='$ '", "printf '%s' \"${PS1@P}\""),
        "zsh": ("PROMPT='$ '", "print -rn -- ${(%%)PROMPT}"),
    }[shell]
    command = [shell, "--norc", "-c"] if shell == "bash" else [shell, "-f", "-c"]
    for name in SHOWN_LITERALLY:
        done = subprocess.run(
            [*command, f"{start}\n{readme_prompt_line(shell)}\n{expand}"],
            capture_output=True,
            text=True,
            env=shell_env(home) | {"AWS_PROFILE": name},
            cwd=home.root,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(rf"\({re.escape(name)} \d+h\d\dm\) \$ ", done.stdout), (name, done.stdout)
        assert not (home.root / "ran").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["prompt"],
        ["prompt", "--format", "{role}"],
        ["prompt", "--format={role} %F{red}"],
        ["prompt", "--shell", "zsh"],
        ["prompt", "--shell=bash", "--format", "x"],
        ["prompt", "--format", "x", "--shell", "zsh"],
        ["prompt", "--format="],
        ["prompt", "--shell", "fish"],
        ["prompt", "--shell"],
        ["prompt", "--format", "-x"],
        ["prompt", "--format", "a", "--format", "b"],
        ["prompt", "--form", "x"],
        ["prompt", "--shell", "zsh", "extra"],
        ["prompt", "-h"],
        ["list", "prompt"],
        ["prompt", "--color", "always", "--shell", "bash"],
        ["prompt", "--color=never"],
        ["prompt", "--color", "sometimes"],
        ["--config", "roles.toml", "prompt", "--color", "always"],
        ["--config", "-x", "prompt"],
    ],
)
def test_the_prompts_fast_grammar_reads_argv_as_the_parser_does(argv: list[str]) -> None:
    """Whatever the prompt's fast path accepts, argparse (built from the same names) reads the same way."""
    from stsui.cli.grammar import PROMPT_COLOR, PROMPT_FORMAT, PROMPT_SHELL, plain_prompt

    fast = plain_prompt(argv)
    if fast is None:
        return
    explicit, options = fast
    parsed = parsed_by_the_parser(argv)
    assert (parsed.command, parsed.config, parsed.format, parsed.shell, parsed.color) == (
        "prompt",
        explicit,
        options.get(PROMPT_FORMAT),
        options.get(PROMPT_SHELL),
        options.get(PROMPT_COLOR, "auto"),
    )


def test_prompt_left() -> None:
    assert [prompt_left(s) for s in (-5, 0, 30, 60, 2519, 3600, 3661, 43200)] == [
        "expired", "expired", "30s", "1m", "41m", "1h00m", "1h01m", "12h00m",
    ]  # fmt: skip


NAMES = st.sampled_from(["a", "b", "prod", "prod-admin", "x y", "p:q", "default"])
KEYS = st.sampled_from([MARKER, EXPIRES, "aws_access_key_id", "X_STSUI_ROLE", "region"])
VALUES = st.text(alphabet="az09-:=[] ", max_size=12).map(str.strip)
SPACES = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def ini_files(draw: st.DrawFn) -> str:
    lines = []
    for name in draw(st.lists(NAMES, unique=True, max_size=5)):
        lines.append(f"[{name}]" + draw(SPACES))
        for key in draw(st.lists(KEYS, unique_by=str.lower, max_size=4)):
            indent = draw(SPACES)
            lines.append(
                f"{indent}{key}{draw(SPACES)}{draw(st.sampled_from(['=', ':']))}{draw(SPACES)}{draw(VALUES)}"
            )
            if draw(st.booleans()):  # comments, blank lines, and lines that continue the value above
                lines.append(
                    draw(st.sampled_from(["# note", "; note", "", indent + "    more", indent + "   [c]"]))
                )
    return "\n".join(lines) + "\n"


@given(ini_files(), NAMES)
@example("[a]\nx_stsui_role=\n x_security_token_expires=\n", "a")  # a nested value (a sub-table)
@example("[a]\nx_stsui_role=\n    more\n", "a")  # one botocore refuses
def test_one_section_is_read_as_botocore_reads_it(
    tmp_path_factory: pytest.TempPathFactory, text: str, name: str
) -> None:
    """The prompt's read of one profile against botocore's own parse of the whole file (nested values and
    all). A file refused for the profile's own lines shows no session (`test_credentials_fuzz` holds the
    read to stsui's whole-file parse on every file)."""
    import botocore.configloader
    import botocore.exceptions

    path = tmp_path_factory.mktemp("ini") / "credentials"
    path.write_text(text)
    try:
        parsed = botocore.configloader.raw_config_parse(str(path))
    except botocore.exceptions.ConfigParseError:
        return  # refused for a line outside the profile's own lines: not seen, by design (`read_section`)
    expected = {k: v for k, v in parsed.get(name, {}).items() if k in (MARKER, EXPIRES)}
    section = ini.read_section(text, name)  # what the prompt reads of the profile it shows
    read = {} if section is None else {k: section.get(k) for k in (MARKER, EXPIRES) if k in section}
    assert read.keys() == expected.keys()
    for key, value in expected.items():  # botocore makes a sub-table of a value that starts with a newline
        assert read[key] == value if isinstance(value, str) else str(read[key]).startswith("\n")


# -- completion ------------------------------------------------------------------------------------------


def shell_env(home: Home) -> dict[str, str]:
    return home.env | {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}


def test_role_names_follow_the_roles_file(home: Home) -> None:
    assert home.run("shell-roles").stdout.split() == [
        "prod-admin",
        "staging-ro",
        "mfa-ops",
        "mfa-audit",
        "chained",
    ]
    home.roles.write_text(
        home.roles.read_text() + '\n[roles."new.one"]\nrole_arn = "arn:aws:iam::1:role/N"\n'
    )
    assert home.run("shell-roles").stdout.split()[-1] == "new.one"
    home.roles.write_text("not toml [")
    assert home.run("shell-roles").stdout == ""


def test_role_names_see_a_same_size_edit_in_the_same_clock_tick(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names cache is keyed on the file's identity (`stsui.store.stamps`, as the roles cache is) and is
    not written while an edit could still leave that identity unchanged."""
    from stsui.cli import quick_shell

    for key in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "STSUI_CONFIG"):
        monkeypatch.setenv(key, home.env[key])
    home.roles.write_text('[roles.alpha]\nrole_arn = "arn:aws:iam::111111111111:role/A"\n')
    info = home.roles.stat()
    assert quick_shell.role_names(None) == ["alpha"]
    home.roles.write_text('[roles.bravo]\nrole_arn = "arn:aws:iam::111111111111:role/A"\n')
    os.utime(home.roles, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size, same mtime
    assert quick_shell.role_names(None) == ["bravo"]


def test_bash_completes_commands_options_and_roles(home: Home) -> None:
    def words(*line: str) -> list[str]:
        script = (
            'eval "$(stsui shell-init bash)"\n'
            f"COMP_WORDS=({' '.join(line)})\n__stsui_words {len(line) - 1} {line[-1]}"
        )
        done = subprocess.run(
            ["bash", "--norc", "-c", script], capture_output=True, text=True, env=shell_env(home)
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert {"assume", "list", "shell-init", "--config"} <= set(words("stsui", "''"))
    assert "--mfa-code" in words("stsui", "assume", "--m")
    assert "prod-admin" in words("stsui", "--config", str(home.roles), "assume", "pro")
    assert words("stsui", "list", "pro") == []


def hostile_roles(home: Home) -> Path:
    """Add roles whose keys a shell would run, split or glob (a shared or synced roles file could hold
    them; validation refuses them, but completion reads the file without validating); each would leave a
    file in the returned directory."""
    ran = home.root / "ran"
    ran.mkdir()
    touch = f"touch${{IFS}}{ran}"
    keys = [f"$({touch}/1)", f"`{touch}/2`", f"x;{touch}/3", "p*", "a b", "-rf"]
    tables = "".join(f"\n[roles.'{key}']\nrole_arn = \"arn:aws:iam::111111111111:role/X\"\n" for key in keys)
    home.roles.write_text(home.roles.read_text() + tables)
    return ran


VALID = ["prod-admin", "staging-ro", "mfa-ops", "mfa-audit", "chained"]


def test_role_names_are_only_those_the_roles_file_allows(home: Home) -> None:
    hostile_roles(home)
    assert home.run("shell-roles").stdout.split("\n") == [*VALID, ""]
    assert home.run("shell-roles").stdout.split("\n") == [*VALID, ""]  # from the names cache


def test_an_older_names_cache_is_not_used(home: Home) -> None:
    """A cache stsui wrote before names were checked would still hold the hostile ones."""
    ran = hostile_roles(home)
    home.wait_until_settled()
    stamp = " ".join(map(str, identity(home.roles.stat())))  # format 1: no format field
    cache = home.cache / "role-names.txt"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(f"{stamp} {home.roles}\n$(touch${{IFS}}{ran}/old)\nprod-admin\n")
    cache.chmod(0o600)
    assert home.run("shell-roles").stdout.split("\n") == [*VALID, ""]


def test_bash_completion_never_expands_a_role_name(home: Home) -> None:
    """`sts <Tab>` and `stsui assume <Tab>` in real bash, with hostile keys in the roles file: nothing runs,
    only valid names are offered, and a normal name still completes."""
    ran = hostile_roles(home)
    script = 'eval "$(stsui shell-init bash)"\n' + "".join(
        f"COMP_WORDS=({words}); COMP_CWORD={cword}; {function}; printf '%s|' \"${{COMPREPLY[@]}}\"; echo\n"
        for words, cword, function in [
            ("sts ''", 1, "__sts_complete"),
            ("stsui assume ''", 2, "__stsui_complete"),
            ("stsui --config " + shlex.quote(str(home.roles)) + " env ''", 4, "__stsui_complete"),
            ("sts pro", 1, "__sts_complete"),
            ("sts --o", 1, "__sts_complete"),
        ]
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", script], capture_output=True, text=True, env=shell_env(home)
    )
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in ran.iterdir()) == []  # before the fix: ['1', '2']
    every = "|".join(VALID) + "|"
    assert done.stdout.splitlines() == [every, every, every, "prod-admin|", "--off|"]


def test_bash_takes_each_completion_word_as_it_is(home: Home) -> None:
    """`__stsui_reply`, even given words that the names rule would have kept out: no command runs, no
    glob or split, prefix matching is literal."""
    ran = home.root / "ran"
    ran.mkdir()
    (home.root / "prod-admin-file").touch()  # a glob that matched would find it
    words = [f"$(touch {ran}/1)", f"`touch {ran}/2`", "p*", "a b", "prod-admin", "[p]"]
    script = (
        'eval "$(stsui shell-init bash)"\n'
        f"__stsui_reply {shlex.quote(chr(10).join(words))} ''; printf '%s|' \"${{COMPREPLY[@]}}\"; echo\n"
        f"__stsui_reply {shlex.quote(chr(10).join(words))} 'p*'; printf '%s|' \"${{COMPREPLY[@]}}\"; echo\n"
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", script], capture_output=True, text=True, env=shell_env(home), cwd=home.root
    )
    assert done.returncode == 0, done.stderr
    assert list(ran.iterdir()) == []
    assert done.stdout.splitlines() == ["|".join(words) + "|", "p*|"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_never_runs_a_role_name(home: Home) -> None:
    ran = hostile_roles(home)
    script = "stsui shell-init fish | source; complete -C 'sts '; complete -C 'stsui assume '"
    done = subprocess.run(
        ["fish", "--no-config", "-c", script], capture_output=True, text=True, env=shell_env(home)
    )
    assert done.returncode == 0, done.stderr
    offered = [row.split("\t")[0] for row in done.stdout.splitlines()]
    assert set(offered) >= set(VALID) and not {"p*", "a b", "-rf"} & set(offered)
    assert not any("touch" in word for word in offered)
    assert list(ran.iterdir()) == []


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_sts_and_stsui(home: Home) -> None:
    def complete(line: str) -> list[str]:
        script = f"stsui shell-init fish | source; complete -C {line!r}"
        done = subprocess.run(
            ["fish", "--no-config", "-c", script], capture_output=True, text=True, env=shell_env(home)
        )
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("sts pro") == ["prod-admin"]
    assert "--env" in complete("sts --")
    assert "assume" in complete("stsui ass")
    assert complete("stsui env mfa-") == ["mfa-audit", "mfa-ops"]
    assert "--mfa-code" in complete("stsui assume --")


@pytest.mark.parametrize("command", [["prompt"], ["prompt", "--format", "{role}"], ["shell-roles"]])
def test_prompt_and_role_names_load_no_heavy_module(home: Home, command: list[str]) -> None:
    """They run at every prompt and every Tab: no argparse, no boto3, no Textual, no INI parser."""
    heavy = ["argparse", "boto3", "botocore", "textual", "configparser", "stsui.config", "stsui.engine"]
    probe = (
        f"import sys\nsys.argv = ['stsui', *{command!r}]\nfrom stsui.cli.main import main\nmain()\n"
        f"print('LOADED', [m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env={**home.env, "AWS_PROFILE": "x"}
    )
    assert done.stdout.splitlines()[-1] == "LOADED []", done.stderr


def test_the_prompt_needs_only_datetime(home: Home) -> None:
    """Every prompt runs it: beyond a bare interpreter it imports datetime and stsui's own readers (the one
    INI grammar's, whose sections are `collections.abc` mappings), none of pathlib, re, json, typing or
    contextlib (each costs a third of the interpreter's start or more)."""
    assert home.run("assume", "prod-admin").returncode == 0
    output, added = modules_added(home, "prompt", env={"AWS_PROFILE": "prod-admin"})
    assert re.fullmatch(r"prod-admin \d+m\n", output), output
    heavy = {"pathlib", "re", "json", "typing", "contextlib", "dataclasses", "enum"}
    assert not added & heavy, added & heavy


def test_a_profile_switch_carries_no_secret_and_errors_carry_no_code(home: Home) -> None:
    done = home.run("shell-use", "--shell", "sh", "prod-admin")
    assert done.returncode == 0 and done.stdout.startswith("# stsui shell code\n")
    assert "export AWS_PROFILE=prod-admin\n" in done.stdout
    assert re.fullmatch(
        r"sts: this shell now acts as role 'prod-admin' in eu-west-1: profile 'prod-admin', \d+m left\.\n",
        done.stderr,
    ), done.stderr
    cached = (home.cache / "sessions" / "prod-admin.json").read_text()
    for secret in re.findall(r'"(?:SecretAccessKey|SessionToken|AccessKeyId)": "([^"]+)"', cached):
        assert secret not in done.stdout + done.stderr
    failed = home.run("shell-use", "--shell", "sh", "no-such-role")
    assert failed.returncode == 2 and failed.stdout == "" and "no-such-role" in failed.stderr
