"""The same data on a Dask cluster: one partition per shard, generated where the task runs.

    from dask.distributed import Client
    import spendsense_gen.dask as ssd

    client = Client("tcp://scheduler:8786")          # or a LocalCluster
    frames = ssd.dataframes(64, n_users=10_000_000, seed=42)
    frames["transactions"].groupby("user_id").amount.sum().compute()

    ssd.write_parquet("s3-or-shared-disk/out", 64, n_users=10_000_000)   # one folder per shard

Nothing but the recipe travels from the client: each task calls the generator for its shard
``(k, n)`` (users ``k * n_users // n`` up to ``(k + 1) * n_users // n``), so the data is the same
bytes as a single-process run, whatever the number of workers. Every worker needs
spendsense-gen installed (the same version: the version is part of the data's identity).

Needs ``dask[dataframe]`` (and ``distributed`` for a cluster): ``pip install 'dask[distributed]'``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from os import PathLike, fspath
from pathlib import Path
from typing import Any, Optional, Union

from . import _core
from ._dataset import TABLES, _config_text, generate
from .errors import InvalidParameterError

try:
    import dask.dataframe as dd
    from dask.base import compute
    from dask.delayed import delayed
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("spendsense_gen.dask needs dask: pip install 'dask[distributed]'") from e


def _recipe(
    n_users: Optional[int],
    seed: Optional[int],
    end_date: Union[str, date, None],
    months: Optional[int],
    mix: Union[str, Mapping[str, Any], None],
    consent_ratio: Optional[float],
    config: Optional[Mapping[str, Any]],
) -> dict[str, Any]:
    """The full, validated recipe (what each task receives)."""
    text = _config_text(n_users, seed, end_date, months, mix, consent_ratio, config)
    resolved: dict[str, Any] = json.loads(_core.resolve_config(text))
    resolved.pop("output", None)
    return resolved


def _check_shards(n_shards: int, n_users: int) -> None:
    if not isinstance(n_shards, int) or isinstance(n_shards, bool) or not 1 <= n_shards <= n_users:
        allowed = f"an integer from 1 to n_users ({n_users})"
        raise InvalidParameterError(
            f"invalid n_shards: {n_shards!r} (allowed: {allowed})", "n_shards", allowed
        )


def _partition(k: int, *, recipe: dict[str, Any], n_shards: int, table: str) -> Any:
    """One shard's rows of one table, as a pandas DataFrame (runs on a worker)."""
    ds = generate(config=recipe, shard=(k, n_shards), threads=1)
    return ds.to_pandas(table)


def dataframes(
    n_shards: int,
    n_users: Optional[int] = None,
    seed: Optional[int] = None,
    end_date: Union[str, date, None] = None,
    months: Optional[int] = None,
    mix: Union[str, Mapping[str, Any], None] = None,
    consent_ratio: Optional[float] = None,
    *,
    config: Optional[Mapping[str, Any]] = None,
    tables: Iterable[str] = TABLES,
) -> dict[str, Any]:
    """One lazy Dask DataFrame per table, ``n_shards`` partitions each (partition k is shard k of
    the run, rows in the run's order). Arguments after ``n_shards`` are those of
    :func:`spendsense_gen.generate`. Computing a table generates its shards on the workers; each
    table computes its shards on its own (ask for the tables you need)."""
    recipe = _recipe(n_users, seed, end_date, months, mix, consent_ratio, config)
    _check_shards(n_shards, int(recipe["n_users"]))
    names = list(tables)
    for t in names:
        if t not in TABLES:
            raise InvalidParameterError(
                f"invalid tables: unknown table {t!r} (allowed: {', '.join(TABLES)})",
                "tables",
                ", ".join(TABLES),
            )
    # Column names and dtypes, from a one-user run of the same recipe.
    tiny = generate(config={**recipe, "n_users": 1, "mix": {"counts": {"stable": 1}}}, threads=1)
    out = {}
    for t in names:
        meta = tiny.to_pandas(t).iloc[:0]
        out[t] = dd.from_map(  # type: ignore[no-untyped-call]
            _partition,
            range(n_shards),
            recipe=recipe,
            n_shards=n_shards,
            table=t,
            meta=meta,
            label=f"spendsense-{t}",
            enforce_metadata=False,
        )
    return out


def _write_shard(
    k: int, *, recipe: dict[str, Any], n_shards: int, root: str, formats: list[str], overwrite: bool
) -> dict[str, Any]:
    """Writes shard k into ``root/shard-<k>`` (runs on a worker); returns its manifest."""
    out = Path(root) / f"shard-{k:05d}"
    manifest, _, _ = _core.write_stream(
        json.dumps(recipe), fspath(out), formats, overwrite, 1, (k, n_shards), None
    )
    result: dict[str, Any] = json.loads(manifest)
    return result


def write_parquet(
    out_dir: Union[str, PathLike[str]],
    n_shards: int,
    n_users: Optional[int] = None,
    seed: Optional[int] = None,
    end_date: Union[str, date, None] = None,
    months: Optional[int] = None,
    mix: Union[str, Mapping[str, Any], None] = None,
    consent_ratio: Optional[float] = None,
    *,
    config: Optional[Mapping[str, Any]] = None,
    formats: Iterable[str] = ("parquet",),
    overwrite: bool = False,
    client: Any = None,
) -> list[dict[str, Any]]:
    """Writes the run as ``n_shards`` folders, ``out_dir/shard-<k>/`` (``parquet/<table>.parquet``
    by default, plus each shard's ``features/``, ``validation_report.json`` and
    ``manifest.json``), one task per shard, on ``client`` (a ``distributed.Client``) or Dask's
    default scheduler. ``out_dir`` must be a folder every worker can write (a shared disk).
    Returns the shards' manifests, in shard order.

    Read a table back whole with
    ``dask.dataframe.read_parquet(f"{out_dir}/shard-*/parquet/transactions.parquet")`` or
    ``pyarrow.dataset.dataset(...)``; concatenated in shard order, the shards are the run.
    """
    recipe = _recipe(n_users, seed, end_date, months, mix, consent_ratio, config)
    _check_shards(n_shards, int(recipe["n_users"]))
    root = fspath(Path(out_dir).resolve())
    tasks = [
        delayed(_write_shard)(
            k, recipe=recipe, n_shards=n_shards, root=root, formats=list(formats), overwrite=overwrite
        )
        for k in range(n_shards)
    ]
    if client is not None:
        futures = client.compute(tasks)
        return list(client.gather(futures))
    return list(compute(*tasks))  # type: ignore[no-untyped-call]


__all__ = ["dataframes", "write_parquet"]
