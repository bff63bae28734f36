"""Importers for the official NHS and ONS open data files.

Each module reads one kind of file and hands staged rows to ``db/repositories/imports_*``.
Importers are plain service functions: they take a :class:`~geo_service.db.pool.Database`
(one transaction per call) or an open connection (the caller owns the transaction, as the
bundle importer does), so the CLI and a future editor API call exactly the same code.
"""
