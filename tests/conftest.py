"""Session fixtures: one small default-mix dataset, its written outputs, a few variant datasets for
the ledger checks, and the Plaid reference data from ``../shared``."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg
from helpers import PLAID, Ledger, build_ledger

SEED = 20251031
N_USERS = 100


@dataclass
class Written:
    """A dataset written with every format by ``Dataset.write``."""

    dir: Path
    manifest: dict[str, Any]

    @property
    def db(self) -> Path:
        return self.dir / "spendsense.db"

    @property
    def json_path(self) -> Path:
        return self.dir / "users.json"

    def csv_rows(self, table: str) -> list[dict[str, str]]:
        with open(self.dir / "csv" / f"{table}.csv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def csv_header(self, table: str) -> list[str]:
        with open(self.dir / "csv" / f"{table}.csv", newline="", encoding="utf-8") as f:
            return next(csv.reader(f))


@pytest.fixture(scope="session")
def ds() -> ssg.Dataset:
    """100 users, the default mix (every archetype and every edge case present)."""
    return ssg.generate(n_users=N_USERS, seed=SEED)


@pytest.fixture(scope="session")
def written(ds: ssg.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Written:
    out = tmp_path_factory.mktemp("written") / "out"
    manifest = ds.write(out)
    return Written(out, manifest)


@pytest.fixture(scope="session")
def parquet_dir(ds: ssg.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's dataset written with ``--format parquet`` only: ``<out>/parquet/<table>.parquet``
    beside ``manifest.json``."""
    out = tmp_path_factory.mktemp("parquet") / "out"
    ds.write(out, formats=["parquet"])
    return out / "parquet"


@pytest.fixture(scope="session")
def users_json(written: Written) -> dict[str, Any]:
    with open(written.json_path, encoding="utf-8") as f:
        result: dict[str, Any] = json.load(f)
    return result


# Datasets the ledger and Plaid checks run on: the default one, a long window over a year end
# with the even preset, and a one-month window ending on a leap day.
VARIANTS = {
    "default-100": None,
    "even-14-months": {"n_users": 60, "seed": 7, "mix": "even", "months": 14, "end_date": "2024-12-31"},
    "leap-1-month": {"n_users": 50, "seed": 99, "months": 1, "end_date": "2024-02-29"},
}


@pytest.fixture(scope="session")
def variant_datasets(ds: ssg.Dataset) -> dict[str, ssg.Dataset]:
    out = {}
    for name, kwargs in VARIANTS.items():
        out[name] = ds if kwargs is None else ssg.generate(**kwargs)
    return out


@dataclass
class Case:
    name: str
    ds: ssg.Dataset
    ledger: Ledger


@pytest.fixture(scope="session", params=list(VARIANTS))
def case(request: pytest.FixtureRequest, variant_datasets: dict[str, ssg.Dataset]) -> Case:
    """Each variant dataset with its rebuilt daily ledger."""
    d = variant_datasets[request.param]
    return Case(request.param, d, build_ledger(d))


@pytest.fixture(scope="session")
def plaid() -> Path:
    """The Plaid reference folder (``../shared/reference/plaid``); skips when it is not there,
    except in CI (``CI`` set), where a missing reference must fail rather than pass silently."""
    if not (PLAID / "account_type_subtypes.json").is_file():
        message = f"Plaid reference data not found at {PLAID} (shared/ is not beside the repo)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PLAID


@pytest.fixture(scope="session")
def plaid_pairs(plaid: Path) -> set[tuple[str, str]]:
    data = json.loads((plaid / "account_type_subtypes.json").read_text(encoding="utf-8"))
    return {(t, s) for t, subs in data["pairs"].items() for s in subs}


@pytest.fixture(scope="session")
def pfc_pairs(plaid: Path) -> set[tuple[str, str]]:
    with open(plaid / "pfc_taxonomy.csv", newline="", encoding="utf-8") as f:
        return {(r["PRIMARY"], r["DETAILED"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="session")
def plaid_validator(plaid: Path):
    """``plaid_validator("AccountBase")``: a strict Draft 2020-12 validator with format checks."""
    jsonschema = pytest.importorskip("jsonschema")
    cache: dict[str, Any] = {}

    def get(root: str, strict: bool = True):
        name = f"{root}.strict.schema.json" if strict else f"{root}.schema.json"
        if name not in cache:
            schema = json.loads((plaid / "schemas" / name).read_text(encoding="utf-8"))
            v = jsonschema.Draft202012Validator
            v.check_schema(schema)
            cache[name] = v(schema, format_checker=v.FORMAT_CHECKER)
        return cache[name]

    return get
