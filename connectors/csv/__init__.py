"""The CSV connector: a folder of CSV files as a source (see docs/formats.md), and written back
like a CRM (target fields as accounts.csv columns, tasks in tasks.csv)."""

from .source import CsvSource
from .writer import CsvConnector

__all__ = ["CsvConnector", "CsvSource"]
