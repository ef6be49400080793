"""Static checks run as tests: the extension's stubs match the runtime module, the package
type-checks strictly, and ruff is clean on the package and the tests."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from helpers import REPO

pytestmark = pytest.mark.skipif(
    not (REPO / "pyproject.toml").is_file(), reason="needs the source tree (pyproject.toml)"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install '.[test]')")


def test_stubtest() -> None:
    _need("mypy")
    p = _run(sys.executable, "-m", "mypy.stubtest", "spendsense_gen._core")
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_strict() -> None:
    _need("mypy")
    p = _run(sys.executable, "-m", "mypy", "--strict", "python/spendsense_gen")
    assert p.returncode == 0, p.stdout + p.stderr


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    _need("ruff")
    return _run(sys.executable, "-m", "ruff", *args)


def test_ruff_check_tests() -> None:
    p = _ruff("check", "tests")
    assert p.returncode == 0, p.stdout + p.stderr


def test_ruff_format_tests() -> None:
    p = _ruff("format", "--check", "tests")
    assert p.returncode == 0, p.stdout + p.stderr


def test_ruff_check_package() -> None:
    p = _ruff("check", "python")
    assert p.returncode == 0, p.stdout + p.stderr


def test_ruff_format_package() -> None:
    p = _ruff("format", "--check", "python")
    assert p.returncode == 0, p.stdout + p.stderr
