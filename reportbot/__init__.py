"""reportbot: answers about Chinese work reports, with cited passages.

The Python API is `ReportService`, the same door the CLI and the bots use::

    from reportbot import ReportService

    with ReportService.open("reports.db") as rb:
        rb.ingest(["reports/"])
        for hit in rb.search("支部书记签了几份责任书？").hits:
            print(hit.citation, hit.text)

The service and its result classes load on first use (PEP 562), so importing one layer
(`reportbot.retrieval`, which must stay pure) does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ReportbotError

__version__ = "0.1.0"

_EXPORTS = {
    "ReportService": "reportbot.bot.service",
    "SearchResponse": "reportbot.bot.service",
    "IngestResult": "reportbot.bot.service",
    "Hit": "reportbot.retrieval.models",
    "DocumentInfo": "reportbot.storage.db",
    "ChunkRecord": "reportbot.storage.db",
    "Stats": "reportbot.storage.db",
}
__all__ = [
    "ChunkRecord",
    "DocumentInfo",
    "Hit",
    "IngestResult",
    "ReportService",
    "ReportbotError",
    "SearchResponse",
    "Stats",
    "__version__",
]

if TYPE_CHECKING:
    from .bot.service import IngestResult, ReportService, SearchResponse
    from .retrieval.models import Hit
    from .storage.db import ChunkRecord, DocumentInfo, Stats


def __getattr__(name: str) -> Any:
    """Import an exported class the first time it is asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'reportbot' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
