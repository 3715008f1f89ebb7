"""What filters can select in each report (see retrieval/scope.py).

Part of `ReportStore` (a mixin, the same file and connection), like the inbox.
"""

from __future__ import annotations

from ..retrieval.scope import ReportFacts
from .errors import translate_public_methods


@translate_public_methods
class ReportFacets:
    """Facet methods of ReportStore (which provides `db`)."""

    def report_facts(self) -> list[ReportFacts]:
        """Each report's title and the (year, kind) pairs of its passages."""
        rows: dict[int, set[tuple[int | None, str]]] = {}
        titles: dict[int, str] = {}
        sql = """select d.id, d.title, coalesce(c.year, d.year), c.kind
                 from documents d join chunks c on c.doc_id = d.id
                 group by d.id, coalesce(c.year, d.year), c.kind order by d.id"""
        for doc_id, title, year, kind in self.db.execute(sql):
            titles[doc_id] = title
            rows.setdefault(doc_id, set()).add((year, kind))
        return [ReportFacts(doc_id, titles[doc_id], frozenset(rows[doc_id])) for doc_id in titles]
