"""The CSV connector: a folder of CSV files as a source (see docs/formats.md)."""

from .source import CsvSource

__all__ = ["CsvSource"]
