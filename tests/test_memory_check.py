"""Reading data back refuses, before it reads, data that would not fit in memory
(``src/ingest/memory.rs``): the limit is the memory available or ``SPENDSENSE_GEN_MEMORY_LIMIT``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import spendsense_gen as ssg
from conftest import Written
from spendsense_gen.errors import DataTooLargeError, InvalidParameterError, SpendSenseError

VAR = "SPENDSENSE_GEN_MEMORY_LIMIT"


def _sources(written: Written, parquet_dir: Path) -> dict[str, Path]:
    return {
        "sqlite": written.db,
        "csv": written.dir / "csv",
        "parquet": parquet_dir,
        "json": written.json_path,
    }


READERS: dict[str, Callable[[Path, Path], object]] = {
    "validate": lambda src, tmp: ssg.validate(src),
    "detect": lambda src, tmp: ssg.detect(src),
    "load": lambda src, tmp: ssg.load(src, tmp / "loaded.db"),
}


# Every source each reader takes: detect does not read users.json, load does not read SQLite.
CASES = [
    (r, k)
    for r in READERS
    for k in ("sqlite", "csv", "parquet", "json")
    if (r, k) not in {("detect", "json"), ("load", "sqlite")}
]


@pytest.mark.parametrize(("reader", "kind"), CASES)
def test_data_over_the_limit_is_refused_before_reading(
    reader: str,
    kind: str,
    written: Written,
    parquet_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src = _sources(written, parquet_dir)[kind]
    monkeypatch.setenv(VAR, "64K")
    with pytest.raises(DataTooLargeError) as err:
        READERS[reader](src, tmp_path)
    e = err.value
    assert isinstance(e, MemoryError) and isinstance(e, SpendSenseError)
    assert e.limit == 64 * 1024 and e.needed > e.limit
    assert e.path == str(src)
    text = str(e)
    assert "bytes or more each" in text and VAR in text and "--shard" in text
    assert not (tmp_path / "loaded.db").exists()
    # With a limit above the estimate, or none, the same call reads the data.
    monkeypatch.setenv(VAR, str(e.needed))
    READERS[reader](src, tmp_path)
    (tmp_path / "loaded.db").unlink(missing_ok=True)
    monkeypatch.setenv(VAR, "off")
    READERS[reader](src, tmp_path)


@pytest.mark.parametrize("value", ["lots", "-1G", "0", "12X"])
def test_a_limit_that_is_not_a_size_names_the_variable(
    value: str, written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(InvalidParameterError) as err:
        ssg.validate(written.db)
    assert err.value.parameter == VAR
    assert "512M" in err.value.allowed


def test_the_cli_prints_one_line_and_exits_2(written: Written) -> None:
    env = dict(os.environ, **{VAR: "1M"})
    env.pop("PYTHONWARNINGS", None)
    p = subprocess.run(
        [sys.executable, "-m", "spendsense_gen", "validate", str(written.db)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "validating it would hold at least" in lines[0], p.stderr
    assert "the limit set by SPENDSENSE_GEN_MEMORY_LIMIT (1.0 MiB)" in lines[0], lines[0]
