"""Config errors, `init` and `import` through the real program."""

from __future__ import annotations

import tomllib

from tests.support.home import Home, write_roles


def test_missing_roles_file_says_how_to_create_one(home: Home) -> None:
    home.roles.unlink()
    result = home.run("list")
    assert result.returncode == 2
    assert "stsui init" in result.stderr and str(home.roles) in result.stderr


def test_invalid_role_names_file_role_and_key(home: Home) -> None:
    write_roles(home, '[roles.broken]\nrole_arn = "arn:aws:iam::12345:role/x"\n')
    result = home.run("list")
    assert result.returncode == 2
    assert str(home.roles) in result.stderr and "broken" in result.stderr and "role_arn" in result.stderr
    assert "Traceback" not in result.stderr


def test_toml_syntax_error_names_the_line(home: Home) -> None:
    write_roles(home, '[roles.a]\nrole_arn = "arn:aws:iam::111111111111:role/x"\nduration = \n')
    result = home.run("list")
    assert result.returncode == 2
    assert "line 3" in result.stderr


def test_config_flag_beats_the_environment(home: Home) -> None:
    other = home.root / "other.toml"
    other.write_text('[roles.elsewhere]\nrole_arn = "arn:aws:iam::111111111111:role/X"\n')
    result = home.run("--config", str(other), "list")
    assert result.returncode == 0, result.stderr
    assert "elsewhere" in result.stdout and "prod-admin" not in result.stdout


def test_init_writes_a_starter_and_refuses_to_overwrite(home: Home) -> None:
    target = home.root / "fresh" / "roles.toml"
    first = home.run("--config", str(target), "init")
    assert first.returncode == 0, first.stderr
    assert home.run("--config", str(target), "list").returncode == 0
    second = home.run("--config", str(target), "init")
    assert second.returncode == 2
    assert str(target) in second.stderr


AWS_CONFIG = """\
[default]
region = eu-west-1

[profile base-user]
region = eu-west-1

[profile imported-admin]
role_arn = arn:aws:iam::666666666666:role/Imported
source_profile = default
mfa_serial = arn:aws:iam::999999999999:mfa/tester
duration_seconds = 7200
"""


def test_import_prints_roles_and_appends_with_write(home: Home) -> None:
    aws_config = home.root / "aws-config"
    aws_config.write_text(AWS_CONFIG)
    printed = home.run("import", "--aws-config", str(aws_config))
    assert printed.returncode == 0, printed.stderr
    roles = tomllib.loads(printed.stdout)["roles"]
    assert len(roles) == 1
    (entry,) = roles.values()
    assert entry["role_arn"] == "arn:aws:iam::666666666666:role/Imported"
    assert entry["duration"] == 7200

    original = home.roles.read_text()
    written = home.run("import", "--aws-config", str(aws_config), "--write")
    assert written.returncode == 0, written.stderr
    assert home.roles.read_text().startswith(original)
    listing = home.run("list")
    assert "666666666666" in listing.stdout
    again = home.run("import", "--aws-config", str(aws_config), "--write")
    assert again.returncode == 0
    assert home.roles.read_text().count("666666666666") == 1


def test_assume_duration_is_bounded_by_stss_limits(home: Home) -> None:
    for given in ("899", "12h1s"):
        result = home.run("assume", "prod-admin", "--duration", given)
        assert result.returncode == 2 and "--duration must be between 15m and 12h" in result.stderr
    assert home.run("assume", "prod-admin", "--duration", "15m").returncode == 0
