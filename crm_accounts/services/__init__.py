"""Services: gather data from a source, run the method, export and describe the result.

What each command does lives here (``workflows``: plan, sync, report, demo; ``admin``: check and
setup; ``runlogs``: where the run log is and what it holds); the command line only parses and
renders.
"""

from .compose import open_connector
from .export import export_tables, result_document, summary_document
from .run import compute, gather

__all__ = [
    "compute",
    "export_tables",
    "gather",
    "open_connector",
    "result_document",
    "summary_document",
]
