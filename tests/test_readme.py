"""The README is the operator's manual: it opens with the two commands and documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

from fairlx.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in README.read_text().splitlines() if line.strip()]
    commands = [line.split("#")[0].strip() for line in lines[1:5] if line.startswith("make ")]
    assert commands == ["make run", "make test"]


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = set(re.findall(r"^\| `(FAIRLX_[A-Z_]+)` \|", README.read_text(), flags=re.MULTILINE))
    expected = {f"FAIRLX_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected
