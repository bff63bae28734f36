-- Function refresh_scenario_network_facts: the kept per-network population aggregates (scenario_network_facts) and
-- nearest-member distances (scenario_member_nearest) of scenarios, from their kept members (scenario_members), for
-- the networks ``p_network_ids`` (an edit's; refresh_scenario_members) or, when NULL, every network (with the
-- scenario's hours_extract_id chosen again). The aggregates are those of the checks' ``population`` CTE
-- (db/repositories/analysis_checks.py) with registered list sizes and extended hours from the register, else from
-- the payments file hours_extract_id (paid under the Extended Hours Access DES), and the *_register columns with
-- extended hours from the register alone (a scope not reading payments); the distance is the one the
-- outlying-members rule compares with ``outlier_km`` (geodesic, to the nearest other located member); the
-- parameter-free flags of cross-boundary by commissioner (commissioners_differ) and by member location
-- (member_location_sets: refresh_scenario_network_locations).
-- tests/analysis/test_kept_network_facts.py checks both against the live computation and an edit's rows against a
-- full rebuild.
CREATE OR REPLACE FUNCTION refresh_scenario_network_facts(p_scenario_ids integer[], p_network_ids integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_network_ids IS NULL THEN
        UPDATE scenario_states st SET hours_extract_id = scenario_hours_extract(st.scenario_id)
         WHERE st.scenario_id = ANY (p_scenario_ids);
        DELETE FROM scenario_network_facts WHERE scenario_id = ANY (p_scenario_ids);
        DELETE FROM scenario_member_nearest WHERE scenario_id = ANY (p_scenario_ids);
    ELSE
        DELETE FROM scenario_network_facts
         WHERE scenario_id = ANY (p_scenario_ids) AND network_id = ANY (p_network_ids);
        DELETE FROM scenario_member_nearest
         WHERE scenario_id = ANY (p_scenario_ids) AND network_id = ANY (p_network_ids);
    END IF;
    INSERT INTO scenario_network_facts
    SELECT r.scenario_id, r.network_id,
           count(*)::int,
           coalesce(sum(r.list_size), 0)::bigint,
           count(*) FILTER (WHERE r.list_size IS NULL)::int,
           array_agg(r.ods_code) FILTER (WHERE r.list_size IS NULL),
           max(r.list_size),
           max(r.ods_code) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL),
           max(r.practice_name) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL),
           max(r.ods_code) FILTER (WHERE r.rank = 2 AND r.list_size IS NOT NULL),
           max(r.list_size) FILTER (WHERE r.rank = 2),
           coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours), 0)::bigint,
           coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours IS NOT NULL), 0)::bigint,
           array_agg(r.ods_code) FILTER (WHERE r.extended_hours = false),
           array_agg(r.ods_code) FILTER (WHERE r.extended_hours IS NULL),
           coalesce(sum(r.list_size) FILTER (WHERE r.register_hours), 0)::bigint,
           coalesce(sum(r.list_size) FILTER (WHERE r.register_hours IS NOT NULL), 0)::bigint,
           array_agg(r.ods_code) FILTER (WHERE r.register_hours = false),
           array_agg(r.ods_code) FILTER (WHERE r.register_hours IS NULL),
           -- cross-boundary by commissioner (the rule's count query over the members, parameter-free)
           coalesce(min(r.commissioner_code) <> max(r.commissioner_code) OR bool_or(r.commissioner_code <> r.lead),
                    false)
      FROM (SELECT sm.scenario_id, sm.network_id, sm.ods_code, sm.practice_name, sm.list_size,
                   sm.commissioner_code, sm.lead,
                   coalesce(sm.extended_hours, pp.extended_hours_paid > 0) AS extended_hours,
                   sm.extended_hours AS register_hours,
                   row_number() OVER (PARTITION BY sm.scenario_id, sm.network_id
                                      ORDER BY sm.list_size DESC NULLS LAST, sm.ods_code COLLATE "C") AS rank
              FROM scenario_members sm
              JOIN scenario_states st ON st.scenario_id = sm.scenario_id
              LEFT JOIN practice_payments pp ON pp.extract_id = st.hours_extract_id AND pp.practice_id = sm.practice_id
             WHERE sm.scenario_id = ANY (p_scenario_ids)
               AND (p_network_ids IS NULL OR sm.network_id = ANY (p_network_ids))) r
     GROUP BY r.scenario_id, r.network_id;
    IF p_network_ids IS NULL THEN
        -- every network's row was written again: statistics before refresh_scenario_network_locations reads them
        PERFORM analyze_scenario_partitions(p_scenario_ids, ARRAY['scenario_network_facts']);
    END IF;
    -- Pairs of located members of one network (a hash join on the network: members of one network are few),
    -- each point made geography once.
    INSERT INTO scenario_member_nearest
    WITH located AS MATERIALIZED (
        SELECT sm.scenario_id, sm.membership_id, sm.network_id, sm.practice_id, sm.ods_code, pt.geom::geography AS g
          FROM scenario_members sm JOIN postcode_points pt ON pt.id = sm.point_id
         WHERE sm.scenario_id = ANY (p_scenario_ids)
           AND (p_network_ids IS NULL OR sm.network_id = ANY (p_network_ids))
    )
    SELECT a.scenario_id, a.membership_id, a.network_id, a.practice_id, a.ods_code, min(ST_Distance(a.g, b.g))
      FROM located a
      LEFT JOIN located b ON b.scenario_id = a.scenario_id AND b.network_id = a.network_id
                         AND b.practice_id <> a.practice_id
     GROUP BY a.scenario_id, a.membership_id, a.network_id, a.practice_id, a.ods_code;
    -- Cross-boundary by member location, per boundary set (migration 0140).
    PERFORM refresh_scenario_network_locations(p_scenario_ids, p_network_ids);
END $$;
