-- Function scenarios_of_extracts.
-- Scenarios whose state may depend on facts of these extracts: every scenario of the extracts' datasets.
CREATE OR REPLACE FUNCTION scenarios_of_extracts(p_extract_ids integer[]) RETURNS integer[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(s.id), '{}') FROM scenarios s
     WHERE s.dataset IN (SELECT e.dataset FROM extracts e WHERE e.id = ANY (p_extract_ids))
        -- facts whose extract is already gone (a cascaded delete): every scenario
        OR EXISTS (SELECT 1 FROM unnest(p_extract_ids) x (id) WHERE NOT EXISTS (SELECT 1 FROM extracts e WHERE e.id = x.id))
$$;
