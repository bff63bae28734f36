-- Issue 19: every vintage judged on the facts of its own time.
--
-- 1. A practice's commissioner as of a date is the NEAREST dated statement of it among every loaded file of the
--    scenario's dataset that states one: a register (commissioner column), a list-size file (CCG_CODE), or a
--    membership file's own commissioner column (ePCN practice_parent_ccg_code, QOF mapping CCG_ODS_CODE), each
--    dated by its extract. The membership files' statements are kept in ``practice_commissioner_statements``
--    (one row per practice per membership extract, pseudo-networks such as the QOF "U / Unallocated" included).
--    Nearest = smallest |extract date - as_of|; a tie goes to the one on or before the date, then to the
--    register, the membership file, the list-size file, in that order.
-- 2. The practices in scope (``active_gp``) are those known to exist on the date:
--      * the scope's register extract when it is dated within register_near_days() (183 days, about 6 months)
--        of as_of: its active GP practices (status active, prescribing setting 4);
--      * else the scope's list-size extract when dated within list_sizes_near_days() (548 days, the same limit
--        as stale list sizes): the practices with registered patients in it (a list-size file lists GP
--        practices of England only);
--      * else none: no loaded file says which practices existed, and the orphan rule is "not judged".
--    ``scope_practice_source(register, list sizes, as_of)`` says which decided ('register', 'list_sizes', NULL).
-- 3. ``area_name_in_force(code, dataset, as_of, level)``: the name a commissioner / area code had on a date (the
--    boundary set or lookup in force on it: the latest dated on or before the date, else the earliest after).
-- 4. Pseudo-networks that mean "in no network" (code U, "Unallocated", as the QOF mapping and the Jan 2022
--    practice-to-PCN file park practices) are not networks: any loaded before this migration are removed, their
--    commissioner statements kept.

CREATE TABLE IF NOT EXISTS practice_commissioner_statements (
    extract_id         integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id        integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    commissioner_code  text NOT NULL,
    PRIMARY KEY (extract_id, practice_id)
);
CREATE INDEX IF NOT EXISTS practice_commissioner_statements_practice_idx
    ON practice_commissioner_statements (practice_id);

-- Statements of membership files loaded before this migration: the files' commissioner column as kept on the
-- memberships of the scenario they loaded (source_id = the membership extract).
INSERT INTO practice_commissioner_statements (extract_id, practice_id, commissioner_code)
SELECT DISTINCT ON (m.source_id, m.practice_id) m.source_id, m.practice_id, m.member_commissioner_code
  FROM memberships m JOIN extracts e ON e.id = m.source_id AND e.kind = 'pcn'
 WHERE m.member_commissioner_code IS NOT NULL
 ORDER BY m.source_id, m.practice_id, m.start_date DESC NULLS LAST
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION register_near_days() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 183 $$;
CREATE OR REPLACE FUNCTION list_sizes_near_days() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 548 $$;

-- Which file says which practices exist on p_as_of: 'register', 'list_sizes' or NULL (none near enough).
CREATE OR REPLACE FUNCTION scope_practice_source(p_register integer, p_list_sizes integer, p_as_of date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM extracts e WHERE e.id = p_register AND e.extract_date IS NOT NULL
                        AND abs(e.extract_date - p_as_of) <= register_near_days()) THEN 'register'
        WHEN EXISTS (SELECT 1 FROM extracts e WHERE e.id = p_list_sizes AND e.extract_date IS NOT NULL
                        AND abs(e.extract_date - p_as_of) <= list_sizes_near_days()) THEN 'list_sizes'
    END
$$;

-- Every dated statement of practices' commissioners in a dataset: (practice, code, date, source, extract).
CREATE OR REPLACE FUNCTION commissioner_statements(p_dataset text)
RETURNS TABLE (practice_id integer, commissioner_code text, stated_on date, source text, extract_id integer)
LANGUAGE sql STABLE AS $$
    SELECT r.practice_id, r.commissioner_code, e.extract_date, 'register', e.id
      FROM practice_register r JOIN extracts e ON e.id = r.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL AND r.commissioner_code IS NOT NULL
    UNION ALL
    SELECT s.practice_id, s.commissioner_code, e.extract_date, 'membership_file', e.id
      FROM practice_commissioner_statements s JOIN extracts e ON e.id = s.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL
    UNION ALL
    SELECT l.practice_id, l.ccg_code, e.extract_date, 'list_sizes', e.id
      FROM practice_list_sizes l JOIN extracts e ON e.id = l.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL AND l.ccg_code IS NOT NULL
$$;

-- Each practice's commissioner as of a date: the nearest statement (see the head of this file).
CREATE OR REPLACE FUNCTION practice_commissioners(p_dataset text, p_as_of date)
RETURNS TABLE (practice_id integer, commissioner_code text, stated_on date, source text, extract_id integer)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (c.practice_id) c.practice_id, c.commissioner_code, c.stated_on, c.source, c.extract_id
      FROM commissioner_statements(p_dataset) c
     ORDER BY c.practice_id, abs(c.stated_on - p_as_of), c.stated_on > p_as_of,
              CASE c.source WHEN 'register' THEN 0 WHEN 'membership_file' THEN 1 ELSE 2 END, c.extract_id DESC
$$;

DROP FUNCTION IF EXISTS practice_state(integer, integer, integer, integer, text);

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

-- As 0031, with the scenario's date handed to practice_state.
CREATE OR REPLACE FUNCTION refresh_scenario_state(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scenario_state_partitions(p_scenario_ids);
    DELETE FROM scenario_members WHERE scenario_id = ANY (p_scenario_ids);
    DELETE FROM scenario_practice_state WHERE scenario_id = ANY (p_scenario_ids);
    DELETE FROM scenario_states WHERE scenario_id = ANY (p_scenario_ids);
    INSERT INTO scenario_states (scenario_id, as_of, register_extract_id, list_size_extract_id, location_extract_id,
                                 nation)
    SELECT s.id, s.as_of, scenario_extract(s.id, 'practices'), scenario_extract(s.id, 'list_sizes'),
           scenario_extract(s.id, 'postcodes'), s.nation
      FROM scenarios s WHERE s.id = ANY (p_scenario_ids);
    INSERT INTO scenario_practice_state
    SELECT st.scenario_id, ps.*
      FROM scenario_states st,
           LATERAL practice_state(st.scenario_id, st.register_extract_id, st.list_size_extract_id,
                                  st.location_extract_id, st.nation, st.as_of) ps
     WHERE st.scenario_id = ANY (p_scenario_ids);
    -- Current on the scenario's date: started on or before it (or undated) and not ended before it.
    INSERT INTO scenario_members
    SELECT st.scenario_id, m.id, n.id, n.code, n.name, n.lead_commissioner_code, ps.practice_id, ps.ods_code,
           ps.name, ps.commissioner_code, ps.list_size, ps.extended_hours, ps.point_id
      FROM scenario_states st
      JOIN memberships m ON m.scenario_id = st.scenario_id
           AND (m.start_date IS NULL OR m.start_date <= st.as_of) AND (m.end_date IS NULL OR m.end_date >= st.as_of)
      JOIN networks n ON n.id = m.network_id
      JOIN scenario_practice_state ps ON ps.scenario_id = st.scenario_id AND ps.practice_id = m.practice_id
     WHERE st.scenario_id = ANY (p_scenario_ids);
END $$;

-- The membership files' statements are facts like the others: they change the kept state and the data version.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'practice_commissioner_statements_scope_ins') THEN
        CREATE TRIGGER practice_commissioner_statements_scope_ins AFTER INSERT ON practice_commissioner_statements
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts();
        CREATE TRIGGER practice_commissioner_statements_scope_upd AFTER UPDATE ON practice_commissioner_statements
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts();
        CREATE TRIGGER practice_commissioner_statements_scope_del AFTER DELETE ON practice_commissioner_statements
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts();
        CREATE TRIGGER practice_commissioner_statements_version_ins AFTER INSERT ON practice_commissioner_statements
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
        CREATE TRIGGER practice_commissioner_statements_version_upd AFTER UPDATE ON practice_commissioner_statements
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
        CREATE TRIGGER practice_commissioner_statements_version_del AFTER DELETE ON practice_commissioner_statements
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
    END IF;
END $$;

-- The name a code (ODS or GSS) had on a date, at a level (NULL: any): the area of the boundary set in force on
-- the date (latest valid_from on or before it, else the earliest after it); without an area, a dated lookup.
CREATE OR REPLACE FUNCTION area_name_in_force(p_code text, p_dataset text, p_as_of date, p_level text DEFAULT NULL)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT c.name FROM (
        SELECT a.name, b.valid_from AS dated, 0 AS rank, a.id
          FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id
         WHERE (a.ods_code = p_code OR a.gss_code = p_code) AND b.dataset = p_dataset
           AND (p_level IS NULL OR b.level = p_level) AND a.name IS NOT NULL AND a.name <> ''
        UNION ALL
        SELECT l.name, e.extract_date, 1, l.id
          FROM code_lookups l JOIN extracts e ON e.id = l.source_id
         WHERE (l.ods_code = p_code OR l.gss_code = p_code) AND e.dataset = p_dataset AND p_level IS NULL
           AND e.extract_date IS NOT NULL AND l.name IS NOT NULL AND l.name <> ''
    ) c
     ORDER BY c.dated > p_as_of, abs(c.dated - p_as_of), c.rank, c.id DESC
     LIMIT 1
$$;

-- Pseudo-networks "in no network" loaded before this migration: keep what their rows said of each practice's
-- commissioner (above), then remove them (their memberships go with them).
DELETE FROM networks n
 WHERE upper(n.code) = 'U' AND lower(n.name) LIKE 'unallocated%';

SELECT refresh_scenario_state(ARRAY(SELECT id FROM scenarios));
