-- Function practice_state.
-- Practice state as of a scope. Rows: the practices known to exist on the date (see scope_practice_source) and
-- every practice that is a member of the scenario, whatever its status. Name and postcode come from the scope's
-- register extract (members missing from it: as the membership file names them), the list size from the
-- list-size extract, the location from the postcode extract, the commissioner from the nearest statement.
CREATE OR REPLACE FUNCTION practice_state(p_scenario_id integer, p_register integer, p_list_sizes integer,
                                          p_locations integer, p_nation text, p_as_of date)
RETURNS TABLE (practice_id integer, ods_code text, name text, postcode text, status text,
               prescribing_setting smallint, commissioner_code text, nation text, extended_hours boolean,
               in_register boolean, active_gp boolean, in_nation boolean, list_size integer, list_size_date date,
               list_size_ccg_code text, point_id integer)
LANGUAGE sql STABLE AS $$
    WITH src AS (
        SELECT scope_practice_source(p_register, p_list_sizes, p_as_of) AS source,
               (SELECT s.dataset FROM scenarios s WHERE s.id = p_scenario_id) AS dataset
    ), mem AS (
        SELECT DISTINCT ON (sm.practice_id) sm.practice_id, sm.member_name, sm.member_commissioner_code
          FROM memberships sm WHERE sm.scenario_id = p_scenario_id
         ORDER BY sm.practice_id, sm.start_date DESC NULLS LAST
    ), known AS (
        SELECT r.practice_id FROM practice_register r, src
         WHERE src.source = 'register' AND r.extract_id = p_register
           AND r.status = 'active' AND r.prescribing_setting = 4
        UNION
        SELECT l.practice_id FROM practice_list_sizes l, src
         WHERE src.source = 'list_sizes' AND l.extract_id = p_list_sizes AND l.list_size > 0
        UNION
        SELECT mem.practice_id FROM mem
    ), x AS (
        SELECT k.practice_id, p.ods_code, coalesce(r.name, mem.member_name) AS name, r.postcode, r.postcode_key,
               CASE src.source
                   WHEN 'register' THEN r.status
                   WHEN 'list_sizes' THEN CASE WHEN ls.list_size > 0 THEN 'active' END
                   ELSE r.status END AS status,
               CASE WHEN src.source = 'list_sizes' AND ls.list_size > 0 THEN 4::smallint
                    ELSE r.prescribing_setting END AS prescribing_setting,
               coalesce(pc.commissioner_code, mem.member_commissioner_code) AS commissioner_code,
               CASE WHEN src.source = 'list_sizes' AND ls.list_size > 0 THEN 'england' ELSE r.nation END AS nation,
               r.extended_hours, r.practice_id IS NOT NULL AS in_register,
               CASE src.source
                   WHEN 'register' THEN coalesce(r.status = 'active' AND r.prescribing_setting = 4, false)
                   WHEN 'list_sizes' THEN coalesce(ls.list_size > 0, false)
                   ELSE false END AS active_gp,
               ls.list_size, ls.list_size_date, ls.ccg_code AS list_size_ccg_code
          FROM known k CROSS JOIN src
          JOIN practices p ON p.id = k.practice_id
          LEFT JOIN mem ON mem.practice_id = k.practice_id
          LEFT JOIN practice_register r ON r.extract_id = p_register AND r.practice_id = k.practice_id
          LEFT JOIN practice_list_sizes ls ON ls.extract_id = p_list_sizes AND ls.practice_id = k.practice_id
          LEFT JOIN practice_commissioners(src.dataset, p_as_of) pc ON pc.practice_id = k.practice_id
    )
    SELECT x.practice_id, x.ods_code, coalesce(x.name, x.ods_code), x.postcode, x.status, x.prescribing_setting,
           x.commissioner_code, x.nation, x.extended_hours, x.in_register, x.active_gp,
           coalesce(x.nation = p_nation, true), x.list_size, x.list_size_date, x.list_size_ccg_code, pt.id
      FROM x
      LEFT JOIN postcode_points pt ON pt.extract_id = p_locations AND pt.postcode_key = x.postcode_key
$$;
