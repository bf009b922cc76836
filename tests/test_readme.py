"""The README stays true: every setting is documented, and the two commands are the real ones."""

import re
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    assert set(config.DEFAULTS) <= documented
    assert documented - set(config.DEFAULTS) == set()


def test_the_two_commands_are_documented_and_exist():
    assert "python3 ledgerlink.py run" in README
    assert "python3 ledgerlink.py test" in README
    assert (ROOT / "ledgerlink.py").exists()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 ledgerlink.py test" in ci
