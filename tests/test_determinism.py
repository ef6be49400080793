"""Same seed and configuration give the same bytes; the manifest describes what is on disk."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import spendsense_gen as ssg
from conftest import N_USERS, SEED, Written
from helpers import DETECTION_FILES, OUTPUT_FILES, REPO, file_hashes, sha256
from spendsense_gen import _core


@pytest.fixture(scope="module")
def rerun_hashes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The same configuration as the session dataset, generated again with 1 and 2 threads and
    written into fresh folders."""
    out = {}
    for threads in (1, 2):
        d = tmp_path_factory.mktemp(f"threads{threads}") / "out"
        ssg.generate(n_users=N_USERS, seed=SEED, threads=threads).write(d)
        out[f"threads={threads}"] = file_hashes(d)
    return out


def test_written_files_are_the_expected_set(written: Written) -> None:
    assert set(file_hashes(written.dir)) == set(OUTPUT_FILES) | {"manifest.json"}


@pytest.mark.parametrize("run", ["threads=1", "threads=2"])
def test_same_seed_and_config_give_identical_bytes(
    written: Written, rerun_hashes: dict[str, dict[str, str]], run: str
) -> None:
    first = file_hashes(written.dir)
    again = rerun_hashes[run]
    assert set(again) == set(first)
    differing = sorted(name for name in first if first[name] != again[name])
    assert differing == [], f"files differ between runs ({run}): {differing}"


def test_sqlite_file_is_byte_identical(written: Written, rerun_hashes: dict[str, dict[str, str]]) -> None:
    # Called out on its own: SQLite files easily pick up nondeterminism (page order, free lists).
    db = sha256(written.db)
    assert rerun_hashes["threads=1"]["spendsense.db"] == db
    assert rerun_hashes["threads=2"]["spendsense.db"] == db


def test_detection_files_are_byte_identical(
    written: Written, rerun_hashes: dict[str, dict[str, str]]
) -> None:
    # Called out on their own: Parquet writers can record timestamps or library versions.
    first = file_hashes(written.dir)
    for run, again in rerun_hashes.items():
        differing = sorted(name for name in DETECTION_FILES if again[name] != first[name])
        assert differing == [], f"detection outputs differ ({run}): {differing}"


def test_detection_is_identical_across_thread_counts(ds: ssg.Dataset) -> None:
    other = ssg.generate(n_users=N_USERS, seed=SEED, threads=1)
    a, b = ds.detect(), ssg.detect(other)
    for window in ssg.WINDOWS:
        sa, sb = a.signals(window), b.signals(window)
        assert list(sa) == list(sb)
        for col in sa:
            np.testing.assert_array_equal(sa[col], sb[col], err_msg=f"{window}d {col}", strict=True)
    pa, pb = a.personas(), b.personas()
    for col in pa:
        np.testing.assert_array_equal(pa[col], pb[col], err_msg=col, strict=True)
    assert a.report == b.report


def test_in_memory_tables_are_identical_across_thread_counts(ds: ssg.Dataset) -> None:
    other = ssg.generate(n_users=N_USERS, seed=SEED, threads=1)
    for table in ssg.TABLES:
        a, b = ds.table(table), other.table(table)
        assert list(a) == list(b)
        for col in a:
            np.testing.assert_array_equal(a[col], b[col], err_msg=f"{table}.{col}", strict=True)


def test_different_seed_changes_every_file(
    written: Written, tmp_path_factory: pytest.TempPathFactory, ds: ssg.Dataset
) -> None:
    d = tmp_path_factory.mktemp("otherseed") / "out"
    other = ssg.generate(n_users=N_USERS, seed=SEED + 1)
    other.write(d)
    first, second = file_hashes(written.dir), file_hashes(d)
    same = sorted(name for name in OUTPUT_FILES if first[name] == second[name])
    assert same == [], f"a different seed left these files unchanged: {same}"
    assert not np.array_equal(ds.transactions["amount"][:100], other.transactions["amount"][:100])
    assert set(ds.accounts["account_id"]).isdisjoint(other.accounts["account_id"])


def test_manifest_records_the_run(written: Written, ds: ssg.Dataset) -> None:
    m = written.manifest
    assert m["generator"] == "spendsense-gen"
    assert m["seed"] == SEED == ds.seed
    assert m["version"] == ssg.__version__
    # The recipe is the configuration without its output section (folder and formats, which
    # do not change the data); the formats written are listed beside it.
    assert m["config"] == {k: v for k, v in ds.config.items() if k != "output"}
    assert sorted(m["formats"]) == ["csv", "json", "sqlite"]
    assert m["config"]["seed"] == SEED and m["config"]["n_users"] == N_USERS
    assert m["start_date"] == ds.start_date.isoformat()
    assert m["end_date"] == ds.end_date.isoformat()


def test_manifest_on_disk_equals_returned_manifest(written: Written) -> None:
    import json

    on_disk = json.loads((written.dir / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == written.manifest


def _cargo_pins() -> dict[str, str]:
    text = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    pins = {}
    for name in ("rand", "rand_chacha", "fake"):
        m = re.search(rf'^{name}\s*=\s*(?:"=([^"]+)"|\{{[^}}]*version\s*=\s*"=([^"]+)")', text, re.MULTILINE)
        assert m, f"{name} is not pinned with '=' in Cargo.toml"
        pins[name] = m.group(1) or m.group(2)
    return pins


def test_manifest_records_pinned_crates(written: Written) -> None:
    crates = written.manifest["crates"]
    assert set(crates) == {"rand", "rand_chacha", "fake"}
    assert crates == dict(_core.PINNED_CRATES)
    for version in crates.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    if (REPO / "Cargo.toml").is_file():
        assert crates == _cargo_pins()


def test_manifest_hashes_match_files_on_disk(written: Written) -> None:
    files = written.manifest["files"]
    assert set(files) == set(OUTPUT_FILES)
    for name, entry in files.items():
        path = written.dir / name
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        assert entry["sha256"] == sha256(path), name
        assert entry["bytes"] == path.stat().st_size, name


def test_manifest_row_counts(written: Written, ds: ssg.Dataset) -> None:
    counts = written.manifest["row_counts"]
    assert counts == ds.summary()["rows"]
    for table in ssg.TABLES:
        col = next(iter(ds.table(table)))
        assert counts[table] == len(ds.table(table)[col]), table
    assert counts["users"] == counts["user_labels"] == N_USERS


def test_effective_config_reproduces_the_dataset(ds: ssg.Dataset, written: Written, tmp_path: Path) -> None:
    """The manifest's config fed back to generate() gives the same bytes."""
    again = ssg.generate(config=written.manifest["config"])
    assert again.config == ds.config
    again.write(tmp_path / "out", formats=["sqlite", "json"])
    assert sha256(tmp_path / "out" / "spendsense.db") == sha256(written.db)
    assert sha256(tmp_path / "out" / "users.json") == sha256(written.json_path)
    for name in DETECTION_FILES:
        assert sha256(tmp_path / "out" / name) == sha256(written.dir / name), name


def test_individual_writers_match_write(ds: ssg.Dataset, written: Written, tmp_path: Path) -> None:
    ds.to_sqlite(tmp_path / "a.db")
    ds.to_json(tmp_path / "a.json")
    ds.to_csv(tmp_path / "csv")
    ds.detect().write(tmp_path / "detection")
    # to_sqlite writes the persona_assignments table too, as write() does.
    assert sha256(tmp_path / "a.db") == sha256(written.db)
    for name in DETECTION_FILES:
        assert sha256(tmp_path / "detection" / name) == sha256(written.dir / name), name
    assert sha256(tmp_path / "a.json") == sha256(written.json_path)
    assert file_hashes(tmp_path / "csv") == file_hashes(written.dir / "csv")


def test_dataset_describes_itself(ds: ssg.Dataset) -> None:
    assert ds.n_users == N_USERS
    assert ds.seed == SEED
    assert ds.start_date <= ds.end_date
    assert ds.table_names == ssg.TABLES
    s = ds.summary()
    assert s["start_date"] == ds.start_date.isoformat() and s["end_date"] == ds.end_date.isoformat()
    r = repr(ds)
    assert f"{N_USERS} users" in r and f"seed {SEED}" in r
