"""spendsense_gen: synthetic, Plaid-shaped personal-finance data with ground-truth personas.

>>> import spendsense_gen as ssg
>>> ds = ssg.generate(n_users=100, seed=42)
>>> ds.transactions["amount"][:3]            # numpy float64, dollars, > 0 = money out
>>> ds.to_sqlite("data/spendsense.db")

Data comes from a day-by-day ledger simulation per user, so balances, statements, payments and
transfers agree with each other; the same seed and configuration always give the same bytes.
"""

from ._core import __version__
from ._dataset import (
    ARCHETYPES,
    FORMATS,
    PRESETS,
    TABLES,
    Dataset,
    generate,
    read_config_file,
    resolve_config,
)
from .errors import (
    ConfigFileError,
    InvalidParameterError,
    OutputError,
    OutputExistsError,
    SpendSenseError,
    UnknownKeyError,
)

__all__ = [
    "__version__",
    "generate",
    "Dataset",
    "resolve_config",
    "read_config_file",
    "TABLES",
    "FORMATS",
    "ARCHETYPES",
    "PRESETS",
    "SpendSenseError",
    "InvalidParameterError",
    "UnknownKeyError",
    "ConfigFileError",
    "OutputExistsError",
    "OutputError",
]
