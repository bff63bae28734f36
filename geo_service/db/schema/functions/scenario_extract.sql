-- Function scenario_extract.
-- The extract of ``p_kind`` a scenario is judged on: its pin, else the nearest to ``p_as_of`` (default: the
-- scenario's own date) in its dataset.
CREATE OR REPLACE FUNCTION scenario_extract(p_scenario_id integer, p_kind text, p_as_of date DEFAULT NULL)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE p_kind WHEN 'practices' THEN s.register_extract_id
                    WHEN 'list_sizes' THEN s.list_size_extract_id
                    WHEN 'postcodes' THEN s.location_extract_id END,
        nearest_extract(p_kind, s.dataset, coalesce(p_as_of, s.as_of)))
      FROM scenarios s WHERE s.id = p_scenario_id
$$;
