"""Bad input: clear exceptions that name the parameter and what is allowed; outputs that are never
clobbered, never half-written, and never left behind on Ctrl-C."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg
from helpers import DETECTION_FILES, file_hashes, sha256

# (keyword arguments to generate, the parameter named, text the message must contain)
BAD_ARGUMENTS = [
    ({"n_users": -1}, "n_users", "1 to 10000000"),
    ({"n_users": 0}, "n_users", "1 to 10000000"),
    ({"n_users": 10_000_001}, "n_users", "1 to 10000000"),
    ({"n_users": "abc"}, "n_users", "1 to 10000000"),
    ({"n_users": 1.5}, "n_users", "1 to 10000000"),
    ({"months": 0}, "months", "1 to 36"),
    ({"months": 37}, "months", "1 to 36"),
    ({"end_date": "2025-02-30"}, "end_date", "YYYY-MM-DD"),
    ({"end_date": "nope"}, "end_date", "YYYY-MM-DD"),
    ({"end_date": "1999-12-31"}, "end_date", "2000-01-01 to 2100-12-31"),
    ({"consent_ratio": 1.5}, "consent_ratio", "0 to 1"),
    ({"consent_ratio": -0.1}, "consent_ratio", "0 to 1"),
    ({"seed": -1}, "seed", "0 to 18446744073709551615"),
    ({"mix": {"counts": {"wizard": 3}}}, "mix.counts", "high_utilizer"),
    ({"mix": {"counts": {"stable": -2}}}, "mix.counts.stable", "0 to 10000000"),
    ({"n_users": 10, "mix": {"counts": {"stable": 9}}}, "mix.counts", "sum to n_users"),
    ({"mix": {"shares": {"stable": 0.5}}}, "mix.shares", "sum to 1"),
    ({"mix": {"shares": {"stable": 0.5, "savings_builder": 0.7}}}, "mix.shares", "sum to 1"),
    ({"mix": {"shares": {"stable": 1.5}}}, "mix.shares.stable", "0 to 1"),
    ({"mix": "nope"}, "mix", "default, even"),
    ({"threads": 0}, "threads", "1 to 1024"),
    ({"threads": -3}, "threads", "1 to 1024"),
    ({"threads": 100_000}, "threads", "1 to 1024"),
]


def _id(case: tuple[dict[str, Any], str, str]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in case[0].items())


@pytest.mark.parametrize(("kwargs", "parameter", "allowed"), BAD_ARGUMENTS, ids=map(_id, BAD_ARGUMENTS))
def test_bad_argument_raises_invalid_parameter(kwargs: dict[str, Any], parameter: str, allowed: str) -> None:
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.generate(**{"months": 1, **kwargs})
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, ssg.SpendSenseError)
    assert e.parameter == parameter
    message = str(e)
    assert parameter in message, f"the message names the parameter: {message}"
    assert allowed in message, f"the message says what is allowed: {message}"
    assert allowed in e.allowed
    assert "\n" not in message


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [(k, p) for k, p, _ in BAD_ARGUMENTS if "threads" not in k],
    ids=[_id(c) for c in BAD_ARGUMENTS if "threads" not in c[0]],
)
def test_resolve_config_validates_the_same(kwargs: dict[str, Any], parameter: str) -> None:
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.resolve_config(kwargs)
    assert info.value.parameter == parameter


def test_invalid_parameter_is_catchable_as_value_error() -> None:
    with pytest.raises(ValueError, match="n_users"):
        ssg.generate(n_users=0)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"n_user": 5}, "n_user"),
        ({"output": {"folder": "x"}}, "output.folder"),
        ({"mix": {"count": {"stable": 3}}}, "mix.count"),
    ],
)
def test_unknown_config_key_is_named(config: dict[str, Any], key: str) -> None:
    with pytest.raises(ssg.UnknownKeyError) as info:
        ssg.generate(config=config)
    e = info.value
    assert isinstance(e, ssg.InvalidParameterError) and isinstance(e, ValueError)
    assert e.key == key == e.parameter
    assert f"'{key}'" in str(e)
    assert "known keys" in str(e)


def test_arguments_override_config() -> None:
    ds = ssg.generate(n_users=3, months=1, config={"n_users": 50, "seed": 9, "months": 12})
    assert ds.n_users == 3
    assert ds.seed == 9
    assert ds.config["months"] == 1


def test_end_date_accepts_a_date_object() -> None:
    from datetime import date

    ds = ssg.generate(n_users=2, months=1, end_date=date(2024, 6, 30))
    assert ds.end_date == date(2024, 6, 30)
    assert ds.start_date == date(2024, 5, 31)


def test_unknown_table_name() -> None:
    ds = ssg.generate(n_users=1, months=1)
    with pytest.raises(ssg.InvalidParameterError) as info:
        ds.table("nope")
    assert info.value.parameter == "table"
    assert "user_labels" in str(info.value)


@pytest.mark.parametrize("formats", [["xml"], [], "sqlite,xml", ""])
def test_bad_formats(formats: Any, tmp_path: Path) -> None:
    ds = ssg.generate(n_users=1, months=1)
    with pytest.raises(ssg.InvalidParameterError) as info:
        ds.write(tmp_path / "out", formats=formats)
    assert info.value.parameter == "formats"
    assert "sqlite" in info.value.allowed
    assert not (tmp_path / "out").exists()


def test_formats_as_comma_separated_string(tmp_path: Path) -> None:
    m = ssg.generate(n_users=2, months=1).write(tmp_path / "out", formats="json, sqlite")
    assert set(m["files"]) == {"users.json", "spendsense.db", *DETECTION_FILES}


# -- config files ------------------------------------------------------------------------------
def test_read_config_file_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("n_users = 20\nend_date = 2024-06-30\n[mix.counts]\nstable = 20\n", encoding="utf-8")
    assert ssg.read_config_file(toml) == {
        "n_users": 20,
        "end_date": "2024-06-30",
        "mix": {"counts": {"stable": 20}},
    }
    js = tmp_path / "c.json"
    js.write_text(json.dumps({"n_users": 20, "mix": "even"}), encoding="utf-8")
    assert ssg.read_config_file(js) == {"n_users": 20, "mix": "even"}


@pytest.mark.parametrize(
    ("name", "text"), [("missing.toml", None), ("bad.toml", "n_users = = 3"), ("bad.json", "{n_users: 3")]
)
def test_bad_config_file(tmp_path: Path, name: str, text: str | None) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ssg.ConfigFileError) as info:
        ssg.read_config_file(path)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ssg.SpendSenseError)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


# -- existing outputs --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small() -> ssg.Dataset:
    return ssg.generate(n_users=20, seed=4, months=2)


@pytest.fixture(scope="module")
def small_other() -> ssg.Dataset:
    return ssg.generate(n_users=20, seed=5, months=2)


def test_write_refuses_existing_output(small: ssg.Dataset, small_other: ssg.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    small.write(out)
    before = file_hashes(out)
    with pytest.raises(ssg.OutputExistsError) as info:
        small_other.write(out)
    e = info.value
    assert isinstance(e, FileExistsError) and isinstance(e, ssg.SpendSenseError)
    assert "overwrite" in str(e)
    assert Path(e.path).parent == out
    assert file_hashes(out) == before, "existing files are untouched"


def test_write_checks_every_target_before_writing(small: ssg.Dataset, tmp_path: Path) -> None:
    """One existing output stops the run before any other file is written."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "users.json").write_text("mine", encoding="utf-8")
    with pytest.raises(ssg.OutputExistsError) as info:
        small.write(out)
    assert Path(info.value.path) == out / "users.json"
    assert sorted(p.name for p in out.iterdir()) == ["users.json"]
    assert (out / "users.json").read_text(encoding="utf-8") == "mine"


def test_write_overwrite_replaces(small: ssg.Dataset, small_other: ssg.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    small.write(out)
    before = file_hashes(out)
    manifest = small_other.write(out, overwrite=True)
    after = file_hashes(out)
    assert set(after) == set(before)
    assert all(after[f] != before[f] for f in manifest["files"])
    for name, entry in manifest["files"].items():
        assert sha256(out / name) == entry["sha256"]
    assert manifest["seed"] == 5


def test_overwrite_replaces_a_csv_folder_of_our_files(
    small: ssg.Dataset, small_other: ssg.Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "csv"
    small.to_csv(out)
    (out / "liabilities.csv").unlink()
    small_other.to_csv(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in ssg.TABLES)
    assert (out / "users.csv").read_bytes() != b""


@pytest.mark.parametrize("writer", ["to_sqlite", "to_json", "to_csv"])
def test_single_writers_refuse_existing_output(small: ssg.Dataset, tmp_path: Path, writer: str) -> None:
    target = tmp_path / "target"
    if writer == "to_csv":
        small.to_csv(target)
        before = file_hashes(target)
    else:
        target.write_text("keep", encoding="utf-8")
    with pytest.raises(ssg.OutputExistsError):
        getattr(small, writer)(target)
    if writer == "to_csv":
        assert file_hashes(target) == before
    else:
        assert target.read_text(encoding="utf-8") == "keep"
    getattr(small, writer)(target, overwrite=True)
    if writer == "to_csv":
        assert sorted(p.name for p in target.iterdir()) == sorted(f"{t}.csv" for t in ssg.TABLES)
    else:
        assert target.read_bytes() != b"keep"


@pytest.mark.parametrize("writer", ["to_sqlite", "to_json", "to_csv", "write"])
def test_overwrite_never_deletes_what_the_writer_did_not_write(
    small: ssg.Dataset, tmp_path: Path, writer: str
) -> None:
    """``overwrite=True`` pointed at a folder of the user's own files (here a project folder; in the
    report that prompted this, the working folder) refuses and leaves every file as it was."""
    project = tmp_path / "project"
    (project / "code").mkdir(parents=True)
    (project / "thesis.tex").write_text("years of work", encoding="utf-8")
    (project / "code" / "model.py").write_text("x = 1", encoding="utf-8")
    before = file_hashes(project)
    target = {"write": project / "csv"}.get(writer, project)
    if writer == "write":
        # ``write`` replaces ``<out>/csv``: a csv/ folder holding the user's own file is refused.
        target.mkdir()
        (target / "mine.txt").write_text("mine", encoding="utf-8")
        before = file_hashes(project)
        call = lambda: small.write(project, formats="csv", overwrite=True)  # noqa: E731
    else:
        call = lambda: getattr(small, writer)(project, overwrite=True)  # noqa: E731
    with pytest.raises(ssg.OutputError) as info:
        call()
    msg = str(info.value)
    assert "not replaced" in msg, msg
    assert file_hashes(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"], "no temporary left behind"


@pytest.mark.parametrize("writer", ["write", "to_sqlite", "to_json", "to_csv"])
def test_unwritable_path_is_output_error(small: ssg.Dataset, tmp_path: Path, writer: str) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "sub" / "out"
    with pytest.raises(ssg.OutputError) as info:
        getattr(small, writer)(target)
    e = info.value
    assert isinstance(e, OSError) and isinstance(e, ssg.SpendSenseError)
    assert not isinstance(e, ssg.OutputExistsError)
    assert "cannot write" in str(e)
    assert e.path
    assert blocker.read_text(encoding="utf-8") == "not a folder"


# -- interrupts --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big() -> ssg.Dataset:
    """Enough users that writing calls the progress callback more than once (between chunks of
    512 users) and a stop from it leaves work undone."""
    return ssg.generate(n_users=1100, seed=8, months=2)


@pytest.mark.parametrize("fmt", ["sqlite", "csv", "json"])
def test_interrupt_leaves_nothing_behind(big: ssg.Dataset, tmp_path: Path, fmt: str) -> None:
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        big.write(out, formats=[fmt], progress=progress)
    assert len(calls) == 1, "the callback was called (and the run stopped at once)"
    done, total = calls[0]
    assert 0 < done < total
    left = [p.name for p in out.rglob("*")] if out.exists() else []
    assert "spendsense.db" not in left and "users.json" not in left and "csv" not in left
    assert "manifest.json" not in left
    assert not [n for n in left if ".tmp-" in n], f"temporary files left: {left}"


def test_interrupt_stops_every_concurrent_writer(big: ssg.Dataset, tmp_path: Path) -> None:
    """All three formats are written at once; an interrupt from the callback stops them all and
    leaves no file, temporary or final, and no manifest."""

    def progress(done: int, total: int) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        big.write(out, progress=progress)
    left = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert left == [], f"left behind: {left}"


def test_interrupt_keeps_existing_output(big: ssg.Dataset, small: ssg.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "out"
    small.write(out, formats=["sqlite"])
    before = file_hashes(out)

    def progress(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        big.write(out, formats=["sqlite"], overwrite=True, progress=progress)
    assert file_hashes(out) == before
    assert not [p for p in os.listdir(out) if ".tmp-" in p]


def test_other_exceptions_from_progress_propagate(big: ssg.Dataset, tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        raise Stop("from the callback")

    with pytest.raises(Stop, match="from the callback"):
        big.write(tmp_path / "out", formats=["csv"], progress=progress)
    assert not (tmp_path / "out" / "csv").exists()


def test_progress_reports_increasing_rows(big: ssg.Dataset, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    big.write(tmp_path / "out", formats=["sqlite"], progress=lambda d, t: calls.append((d, t)))
    assert len(calls) >= 2
    totals = {t for _, t in calls}
    assert totals == {sum(big.summary()["rows"].values())}
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and dones[-1] <= calls[0][1]


def test_generate_progress_and_interrupt() -> None:
    calls: list[tuple[int, int]] = []
    ssg.generate(n_users=600, months=1, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (600, 600)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ssg.generate(n_users=600, months=1, progress=stop)
