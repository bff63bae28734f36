-- Function kept_state_flush: the end of an import that deferred the kept scenario state (kept_state_defer). Stops
-- deferring, then refreshes once what the import's statements noted: the whole kept state of the scenarios noted
-- 'state' that still exist (refresh_scenario_state: practice state, members, network facts and locations), and
-- where members lie for the scenarios noted only 'locations' (refresh_scenario_network_locations over all their
-- networks: rows whose values are unchanged are not written). The result is what the statement triggers would have
-- left after each statement (tests/ingest/test_deferred_kept_state.py compares both).
CREATE OR REPLACE FUNCTION kept_state_flush() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    whole integer[];
    places integer[];
BEGIN
    SELECT array_agg(s.id ORDER BY s.id) INTO whole
      FROM scenarios s
     WHERE s.id = ANY (coalesce(nullif(current_setting('geo_service.kept_pending_state', true), ''), '{}')::integer[]);
    SELECT array_agg(st.scenario_id ORDER BY st.scenario_id) INTO places
      FROM scenario_states st
     WHERE st.scenario_id = ANY (coalesce(nullif(current_setting('geo_service.kept_pending_locations', true), ''),
                                          '{}')::integer[])
       AND st.scenario_id <> ALL (coalesce(whole, '{}'));
    PERFORM set_config('geo_service.kept_state_deferred', 'off', true);
    PERFORM set_config('geo_service.kept_pending_state', '', true);
    PERFORM set_config('geo_service.kept_pending_locations', '', true);
    IF whole IS NOT NULL THEN
        PERFORM refresh_scenario_state(whole);
    END IF;
    IF places IS NOT NULL THEN
        PERFORM refresh_scenario_network_locations(places, NULL);
    END IF;
END $$;
