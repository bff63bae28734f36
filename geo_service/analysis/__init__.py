"""The rule engine: checks that a scenario's networks meet the planning rules (service layer, no Flask).

Use :mod:`geo_service.analysis.service` (``run_checks``, ``network_findings``, ``practice_findings``,
``compare_scenarios``); each check family lives in its own module and its SQL in
``geo_service/db/repositories/analysis_checks.py``.
"""
