-- Function membership_is_current: "current membership", written once. A membership is current on a date when it
-- has started on or before it (or has no start date) and has not ended before it (or has no end date). The kept
-- state (fill_scenario_members) and every repository query (geo_service/db/repositories/scope.py
-- current_membership) call it. One SQL expression, IMMUTABLE: the planner inlines it, so indexes and estimates
-- see the comparisons themselves.
CREATE OR REPLACE FUNCTION membership_is_current(p_start date, p_end date, p_as_of date)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (p_start IS NULL OR p_start <= p_as_of) AND (p_end IS NULL OR p_end >= p_as_of)
$$;
