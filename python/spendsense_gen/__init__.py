"""spendsense_gen: synthetic, Plaid-shaped personal-finance data with ground-truth personas.

>>> import spendsense_gen as ssg
>>> ds = ssg.generate(n_users=100, seed=42)
>>> ds.transactions["amount"][:3]            # numpy float64, dollars, > 0 = money out
>>> ds.to_sqlite("data/spendsense.db")
>>> ds.signals(window=180)["credit_max_utilization"]  # the persona detector's signals
>>> ssg.detect("data/spendsense.db").summary()         # or on a database / CSV folder
>>> ssg.validate("data/csv").ok                         # schema, Plaid enums, ledger rules
>>> ssg.load("data/csv", "copy.db")                     # checked, all-or-nothing load
>>> ds.report("report.html")                            # a visual HTML report (needs matplotlib)

Data comes from a day-by-day ledger simulation per user, so balances, statements, payments and
transfers agree with each other; the same seed and configuration always give the same bytes.
"""

from ._core import __version__
from ._dataset import (
    ARCHETYPES,
    DEFAULT_FORMATS,
    FORMATS,
    PRESETS,
    TABLES,
    Dataset,
    Written,
    generate,
    generate_to,
    read_config_file,
    resolve_config,
)
from ._detect import FAMILIES, FEATURE_TABLES, WINDOWS, Detection, detect
from ._report import write_report
from ._validate import RULES, Check, Finding, LoadResult, ValidationReport, load, validate
from .errors import (
    ConfigFileError,
    DataTooLargeError,
    InvalidDataError,
    InvalidParameterError,
    OutputError,
    OutputExistsError,
    SpendSenseError,
    UnknownKeyError,
)

__all__ = [
    "__version__",
    "generate",
    "generate_to",
    "Written",
    "Dataset",
    "resolve_config",
    "read_config_file",
    "TABLES",
    "FORMATS",
    "DEFAULT_FORMATS",
    "ARCHETYPES",
    "PRESETS",
    "detect",
    "Detection",
    "WINDOWS",
    "FAMILIES",
    "FEATURE_TABLES",
    "write_report",
    "validate",
    "ValidationReport",
    "Check",
    "Finding",
    "RULES",
    "load",
    "LoadResult",
    "SpendSenseError",
    "InvalidParameterError",
    "UnknownKeyError",
    "ConfigFileError",
    "OutputExistsError",
    "OutputError",
    "InvalidDataError",
    "DataTooLargeError",
]
