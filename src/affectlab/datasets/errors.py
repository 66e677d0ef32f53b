"""Errors raised by the corpus loaders: each one says what went wrong and what to do next."""

from __future__ import annotations

from affectlab.core.errors import AffectlabError, UnknownNameError


class DatasetNotFoundError(AffectlabError, FileNotFoundError):
    """A corpus folder or one of its files is not where the loader looked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnknownDatasetError(UnknownNameError):
    """The name is not a registered corpus; the message lists valid names and close matches."""


class DatasetFormatError(AffectlabError, ValueError):
    """A corpus file exists but does not have the format the loader expects."""
