"""Exceptions raised by spendsense_gen.

Every error the generator raises derives from :class:`SpendSenseError`. Bad arguments are
:class:`ValueError` subclasses that name the parameter and what is allowed, so
``except ValueError`` keeps working for code that does not know this package.
"""

from __future__ import annotations

from typing import Any


class SpendSenseError(Exception):
    """Base class of every spendsense_gen error."""


class InvalidParameterError(SpendSenseError, ValueError):
    """A parameter is outside what is allowed.

    Attributes:
        parameter: the parameter's name (``n_users``, ``mix.counts.stable``, ...).
        allowed: what is allowed, in words.
    """

    def __init__(self, message: str, parameter: str, allowed: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.allowed = allowed


class UnknownKeyError(InvalidParameterError):
    """A configuration key the generator does not know (a typo, usually)."""

    def __init__(self, message: str, key: str, known: str) -> None:
        super().__init__(message, key, known)
        self.key = key


class ConfigFileError(SpendSenseError, ValueError):
    """A configuration file could not be read or parsed."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class OutputExistsError(SpendSenseError, FileExistsError):
    """An output file already exists and ``overwrite`` was not given."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class OutputError(SpendSenseError, OSError):
    """An output could not be written (permissions, missing drive, full disk...)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class InvalidDataError(SpendSenseError, ValueError):
    """Data given to :func:`spendsense_gen.load` (or checked with ``ValidationReport.raise_for_failures``)
    broke the rules; nothing was loaded and the database is as it was.

    Attributes:
        path: the data's path.
        report: the validation report as a dict (``report["checks"]``: one entry per rule).
        errors: every finding the report kept, each a dict with ``rule``, ``table``,
            ``location`` (and ``line``, ``rowid`` or ``path``), ``field``, ``value`` and ``message``.
        summary: the readable summary.
    """

    def __init__(self, message: str, path: str, report_json: str, summary: str) -> None:
        super().__init__(message)
        import json

        self.path = path
        self.report: dict[str, Any] = json.loads(report_json)
        self.errors: list[dict[str, Any]] = [
            f for check in self.report.get("checks", []) for f in check.get("findings", [])
        ]
        self.summary = summary


class DataTooLargeError(SpendSenseError, MemoryError):
    """Reading data back (``validate``, ``load``, ``detect`` on a path) would need more memory
    than this process may use, so nothing was read. The limit is the memory available, or the
    environment variable ``SPENDSENSE_GEN_MEMORY_LIMIT`` (a size such as ``16G``, or ``off``).

    Attributes:
        path: the data's path.
        needed: the estimated bytes.
        limit: the limit, in bytes.
    """

    def __init__(self, message: str, path: str, needed: int, limit: int) -> None:
        super().__init__(message)
        self.path = path
        self.needed = needed
        self.limit = limit


__all__ = [
    "SpendSenseError",
    "InvalidParameterError",
    "UnknownKeyError",
    "ConfigFileError",
    "OutputExistsError",
    "OutputError",
    "InvalidDataError",
    "DataTooLargeError",
]
