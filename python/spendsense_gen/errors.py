"""Exceptions raised by spendsense_gen.

Every error the generator raises derives from :class:`SpendSenseError`. Bad arguments are
:class:`ValueError` subclasses that name the parameter and what is allowed, so
``except ValueError`` keeps working for code that does not know this package.
"""

from __future__ import annotations


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


__all__ = [
    "SpendSenseError",
    "InvalidParameterError",
    "UnknownKeyError",
    "ConfigFileError",
    "OutputExistsError",
    "OutputError",
]
