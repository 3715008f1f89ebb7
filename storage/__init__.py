"""SQLite storage: documents, chunks, query log, feedback; the only place with SQL."""
