-- Function kept_state_deferred: true inside an import transaction that refreshes the kept scenario state once at its
-- end (geo_service/ingest/transaction.py defer_kept_state sets geo_service.kept_state_deferred for the
-- transaction; kept_state_flush clears it).
CREATE OR REPLACE FUNCTION kept_state_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('geo_service.kept_state_deferred', true), '') = 'on'
$$;
