"""The layering rule is a check that fails, not a wish: import-linter on a copy of the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(
    tmp_path: Path, wrong_way: tuple[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if wrong_way is not None:
        module, line = wrong_way
        target = tmp_path / "src" / "liveshop" / module
        target.write_text(target.read_text() + f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_layering_rule(tmp_path: Path) -> None:
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "why"),
    [
        ("orders/service.py", "from liveshop.selling import pricing", "orders importing selling"),
        ("live/room/hub.py", "from liveshop.selling.deals import gate", "live importing selling"),
        ("catalog/service.py", "from liveshop.orders import service", "catalog importing orders"),
        ("live/shows/service.py", "from liveshop.live.room import events", "a sibling cycle"),
    ],
)
def test_a_wrong_way_import_breaks_the_contract(
    tmp_path: Path, module: str, line: str, why: str
) -> None:
    result = _lint(tmp_path, (module, f"{line}  # {why}"))
    assert result.returncode != 0, f"{why} went unnoticed:\n{result.stdout}"
    assert "BROKEN" in result.stdout
