"""The ``spendsense-gen`` command: in-process through ``cli.main`` and, once each, as
``python -m spendsense_gen`` and the installed entry point."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spendsense_gen as ssg
from conftest import Written
from helpers import DETECTION_FILES, file_hashes, sha256
from spendsense_gen import cli


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("spendsense-gen: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_generate_writes_requested_formats_and_prints_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run(
        "generate", "--users", "30", "--seed", "3", "--out", str(out), "--format", "sqlite,json"
    )
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "features",
        "manifest.json",
        "spendsense.db",
        "users.json",
        "validation_report.json",
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"spendsense.db", "users.json", *DETECTION_FILES}
    assert manifest["seed"] == 3 and manifest["config"]["n_users"] == 30
    s = ssg.generate(n_users=30, seed=3).summary()
    assert "30 users" in stdout
    assert "seed 3" in stdout
    assert f"{s['rows']['transactions']:,} transactions" in stdout
    assert f"consent: {s['consent_true']:,} yes, {s['consent_false']:,} no" in stdout
    assert "archetypes:" in stdout
    for arch, n in s["archetypes"].items():
        assert f"{arch} {n}" in stdout
    assert re.search(r"in \d+\.\d+ s", stdout), stdout
    assert str(out / "spendsense.db") in stdout and str(out / "manifest.json") in stdout
    # The detector's summary follows the generation summary.
    assert stdout.index("wrote") < stdout.index("persona detection: 30 users")
    assert "label agreement:" in stdout


def test_cli_output_equals_python_api(tmp_path: Path) -> None:
    """The command and the library make the same bytes for the same recipe."""
    code, _, err = run(
        "generate", "--users", "25", "--seed", "12", "--months", "2", "--out", str(tmp_path / "cli"), "-q"
    )
    assert code == 0, err
    ssg.generate(n_users=25, seed=12, months=2).write(tmp_path / "api")
    cli_files, api_files = file_hashes(tmp_path / "cli"), file_hashes(tmp_path / "api")
    cli_files.pop("manifest.json")
    api_files.pop("manifest.json")
    assert cli_files == api_files


def test_threads_flag_does_not_change_output(tmp_path: Path) -> None:
    for t in ("1", "2"):
        code, _, err = run(
            "generate", "--users", "20", "--months", "1", "--threads", t, "--out", str(tmp_path / t), "-q"
        )
        assert code == 0, err
    one, two = file_hashes(tmp_path / "1"), file_hashes(tmp_path / "2")
    # Every file, the manifest included, is byte-identical: the manifest records the data recipe
    # and formats, not the folder it was written to.
    assert one == two
    m1 = json.loads((tmp_path / "1" / "manifest.json").read_text(encoding="utf-8"))
    assert "output" not in m1["config"]
    assert sorted(m1["formats"]) == ["csv", "json", "sqlite"]


def test_existing_output_is_a_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("generate", "--users", "10", "--months", "1", "--out", str(out), "--format", "sqlite")
    assert run(*args, "-q")[0] == 0
    before = sha256(out / "spendsense.db")
    line = assert_one_line_error(*run(*args, "--seed", "77"))
    assert "already exists" in line and "--overwrite" in line
    assert sha256(out / "spendsense.db") == before


def test_overwrite_flag_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("generate", "--users", "10", "--months", "1", "--out", str(out), "--format", "sqlite", "-q")
    assert run(*args)[0] == 0
    before = sha256(out / "spendsense.db")
    code, stdout, err = run(*args, "--seed", "77", "--overwrite")
    assert code == 0, err
    assert stdout == "", "--quiet prints nothing"
    assert sha256(out / "spendsense.db") != before
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 77
    assert manifest["files"]["spendsense.db"]["sha256"] == sha256(out / "spendsense.db")


@pytest.mark.parametrize(
    ("flags", "mentions"),
    [
        (["--users", "0"], "n_users"),
        (["--users", "-5"], "n_users"),
        (["--users", "10000001"], "n_users"),
        (["--end-date", "2025-02-30"], "end_date"),
        (["--end-date", "yesterday"], "end_date"),
        (["--months", "37"], "months"),
        (["--format", "xml"], "xml"),
        (["--format", "sqlite,xlsx"], "xlsx"),
        (["--mix", "wizard=3"], "wizard"),
        (["--mix", "stable=abc"], "stable=abc"),
        (["--mix", "stable=3,oops"], "oops"),
        (["--mix", "nope"], "nope"),
        (["--mix", "stable=0.5"], "mix.shares"),
        (["--mix", "stable=50,stable=50"], "stable is given twice"),
        (["--mix", "stable=30,stable=0.5,savings_builder=0.5"], "stable is given twice"),
        (["--mix", ""], "invalid mix: empty"),
        (["--mix", "stable=-1"], "mix.counts.stable"),
        (["--users", "10", "--mix", "stable=4"], "mix.counts"),
        (["--consent-ratio", "2"], "consent_ratio"),
        (["--threads", "0"], "threads"),
        (["--threads", "100000"], "1 to 1024"),
    ],
)
def test_bad_flags_are_one_line_errors(tmp_path: Path, flags: list[str], mentions: str) -> None:
    out = tmp_path / "out"
    line = assert_one_line_error(*run("generate", "--months", "1", "--out", str(out), *flags))
    assert mentions in line
    assert not out.exists(), "nothing is written"


def test_config_show_prints_effective_config() -> None:
    code, out, err = run("config", "--show", "--users", "37", "--seed", "5", "--mix", "even")
    assert code == 0, err
    cfg = json.loads(out)
    assert cfg == ssg.resolve_config({"n_users": 37, "seed": 5, "mix": "even"})
    assert cfg["n_users"] == 37 and cfg["seed"] == 5
    assert sum(cfg["mix"]["counts"].values()) == 37
    assert set(cfg) == {"n_users", "seed", "consent_ratio", "end_date", "months", "mix", "output"}


def test_config_show_mix_counts_flag() -> None:
    code, out, _ = run("config", "--show", "--mix", "stable=3,savings_builder=2")
    assert code == 0
    cfg = json.loads(out)
    assert cfg["n_users"] == 5
    assert cfg["mix"]["counts"]["stable"] == 3 and cfg["mix"]["counts"]["savings_builder"] == 2


def test_config_show_out_and_format_flags() -> None:
    code, out, _ = run("config", "--show", "--out", "elsewhere", "--format", "json,csv")
    assert code == 0
    cfg = json.loads(out)
    assert cfg["output"]["dir"] == "elsewhere"
    assert sorted(cfg["output"]["formats"]) == ["csv", "json"]


TOML = """\
n_users = 12
seed = 4
end_date = 2024-06-30
months = 2

[mix.counts]
stable = 8
savings_builder = 4

[output]
formats = ["json"]
"""


@pytest.mark.parametrize("kind", ["toml", "json"])
def test_config_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"recipe.{kind}"
    if kind == "toml":
        path.write_text(TOML, encoding="utf-8")
    else:
        path.write_text(json.dumps(ssg.read_config_file(_toml(tmp_path))), encoding="utf-8")
    code, out, err = run("config", "--show", "--config", str(path))
    assert code == 0, err
    cfg = json.loads(out)
    assert cfg["n_users"] == 12 and cfg["seed"] == 4 and cfg["months"] == 2
    assert cfg["end_date"] == "2024-06-30"
    assert cfg["mix"]["counts"]["stable"] == 8 and cfg["mix"]["counts"]["savings_builder"] == 4
    assert cfg["output"]["formats"] == ["json"]
    # Flags override the file.
    code, out, err = run("config", "--show", "--config", str(path), "--seed", "99", "--months", "3")
    assert code == 0, err
    cfg = json.loads(out)
    assert cfg["seed"] == 99 and cfg["months"] == 3 and cfg["n_users"] == 12
    # And generate uses it.
    dest = tmp_path / "out"
    code, _, err = run("generate", "--config", str(path), "--out", str(dest), "-q")
    assert code == 0, err
    assert sorted(p.name for p in dest.iterdir()) == [
        "features",
        "manifest.json",
        "users.json",
        "validation_report.json",
    ]
    data = json.loads((dest / "users.json").read_text(encoding="utf-8"))
    assert data["n_users"] == 12 and data["seed"] == 4 and data["end_date"] == "2024-06-30"


def _toml(tmp_path: Path) -> Path:
    p = tmp_path / "base.toml"
    p.write_text(TOML, encoding="utf-8")
    return p


@pytest.mark.parametrize("kind", ["toml", "json"])
def test_config_file_with_unknown_key(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"recipe.{kind}"
    if kind == "toml":
        path.write_text("n_users = 5\nsede = 3\n", encoding="utf-8")
    else:
        path.write_text('{"n_users": 5, "sede": 3}', encoding="utf-8")
    for command in ("config --show", "generate"):
        line = assert_one_line_error(
            *run(*command.split(), "--config", str(path), "--out", str(tmp_path / "o"))
        )
        assert "'sede'" in line
    assert not (tmp_path / "o").exists()


def test_missing_or_broken_config_file(tmp_path: Path) -> None:
    line = assert_one_line_error(*run("config", "--show", "--config", str(tmp_path / "missing.toml")))
    assert "missing.toml" in line
    bad = tmp_path / "bad.toml"
    bad.write_text("n_users = = 1\n", encoding="utf-8")
    line = assert_one_line_error(*run("config", "--show", "--config", str(bad)))
    assert "bad.toml" in line


def test_interrupt_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "generate_to", interrupted)
    code, out, err = run("generate", "--users", "5", "--out", str(tmp_path / "o"))
    assert code == 130
    assert out == ""
    assert err.strip().startswith("spendsense-gen: interrupted")
    assert not (tmp_path / "o").exists()


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"spendsense-gen {ssg.__version__}"


# -- as separate processes ---------------------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return env


def test_python_dash_m(tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "spendsense_gen", "generate", "--users", "15", "--seed", "2", "--months", "1",
         "--out", str(out), "--format", "csv"],
        capture_output=True, text=True, timeout=120, env=_env(), check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "15 users" in p.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "csv",
        "features",
        "manifest.json",
        "validation_report.json",
    ]
    assert sorted(f.name for f in (out / "csv").iterdir()) == sorted(f"{t}.csv" for t in ssg.TABLES)
    # An error from a real process: one line, exit 2.
    p = subprocess.run(
        [sys.executable, "-m", "spendsense_gen", "generate", "--users", "15", "--seed", "2", "--months", "1",
         "--out", str(out), "--format", "csv"],
        capture_output=True, text=True, timeout=120, env=_env(), check=False,
    )  # fmt: skip
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("spendsense-gen: error: ")


def test_entry_point(tmp_path: Path) -> None:
    exe = shutil.which("spendsense-gen")
    if exe is None:
        pytest.skip("the spendsense-gen entry point is not on PATH")
    out = tmp_path / "out"
    argv = [exe, "generate", "--users", "15", "--seed", "2", "--months", "1"]
    argv += ["--out", str(out), "--format", "json"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=_env(), check=False)
    assert p.returncode == 0, p.stderr
    assert "15 users" in p.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "features",
        "manifest.json",
        "users.json",
        "validation_report.json",
    ]
    assert json.loads((out / "users.json").read_text(encoding="utf-8"))["n_users"] == 15


@pytest.mark.parametrize("flags", [["--users", "abc"], ["--seed", "x"], ["--consent-ratio", "most"]])
def test_unparsable_flag_is_a_one_line_error(tmp_path: Path, flags: list[str]) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "spendsense_gen", "generate", "--out", str(tmp_path / "o"), *flags],
        capture_output=True, text=True, timeout=120, env=_env(), check=False,
    )  # fmt: skip
    assert p.returncode == 2
    assert len(p.stderr.splitlines()) == 1, p.stderr
    assert p.stderr.startswith("spendsense-gen: error: ")


def test_unparsable_flag_in_process(tmp_path: Path) -> None:
    try:
        result = run("generate", "--out", str(tmp_path / "o"), "--users", "abc")
    except SystemExit as e:
        pytest.fail(f"main() raised SystemExit({e.code}) instead of returning an exit code")
    line = assert_one_line_error(*result)
    assert "abc" in line


def test_validate_json_to_an_unwritable_path_is_one_line(written: Written, tmp_path: Path) -> None:
    for target in (tmp_path / "missing" / "r.json", tmp_path):
        line = assert_one_line_error(*run("validate", str(written.db), "--json", str(target)))
        assert f"cannot write {target}" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temporary left behind"
