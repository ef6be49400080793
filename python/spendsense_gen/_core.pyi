"""Type stubs of the Rust extension module (checked with ``mypy.stubtest``)."""

from os import PathLike
from typing import Any, Callable, Optional, Union, final

import numpy as np

__all__ = [
    "__version__",
    "PINNED_CRATES",
    "CoreDataset",
    "generate",
    "resolve_config",
    "read_config_file",
]

__version__: str
PINNED_CRATES: list[tuple[str, str]]

_Path = Union[str, PathLike[str]]
_Progress = Optional[Callable[[int, int], object]]

@final
class CoreDataset:
    @property
    def n_users(self) -> int: ...
    @property
    def config_json(self) -> str: ...
    @property
    def start_date(self) -> str: ...
    @property
    def end_date(self) -> str: ...
    def table_names(self) -> list[str]: ...
    def columns(self, table: str) -> list[tuple[str, str, bool]]: ...
    def table(self, table: str) -> dict[str, Union[np.ndarray[Any, Any], list[Optional[str]]]]: ...
    def write(
        self,
        out_dir: _Path,
        formats: list[str],
        overwrite: bool = False,
        progress: _Progress = None,
    ) -> str: ...
    def write_sqlite(self, path: _Path, overwrite: bool = False) -> None: ...
    def write_csv(self, path: _Path, overwrite: bool = False) -> None: ...
    def write_json(self, path: _Path, overwrite: bool = False) -> None: ...
    def summary(self) -> dict[str, Any]: ...

def generate(config_json: str, threads: Optional[int] = None, progress: _Progress = None) -> CoreDataset: ...
def resolve_config(config_json: str) -> str: ...
def read_config_file(path: _Path) -> str: ...
