-- Scope state: "which extract a scenario is judged on" and "practice state as of a scope" are each defined
-- once, here, as SQL functions that the application's queries call; and every scenario's practice state on
-- its own extracts is kept in a table (kept current by triggers), so a checks request reads rows instead of
-- rebuilding the state each time.
--
--   nearest_extract(kind, dataset, date)     the extract nearest to a date that holds facts of that kind
--   scenario_extract(scenario, kind, as_of)  the pinned extract, else the nearest
--   practice_state(scenario, register, list sizes, locations, nation)  practice state as of a scope
--   scenario_states / scenario_practice_state  the stored state of each scenario on its own extracts
--   scenario_members     each scenario's current members on its own date, with their state (the rule engine's
--                        ``members``)

-- The extract of ``p_kind`` ('practices', 'list_sizes', 'postcodes') of a dataset nearest to a date that
-- holds facts of that kind: the latest on or before it, else the earliest after it.
CREATE FUNCTION nearest_extract(p_kind text, p_dataset text, p_as_of date) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT e.id FROM extracts e
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL
       AND CASE p_kind
               WHEN 'practices' THEN EXISTS (SELECT 1 FROM practice_register f WHERE f.extract_id = e.id)
               WHEN 'list_sizes' THEN EXISTS (SELECT 1 FROM practice_list_sizes f WHERE f.extract_id = e.id)
               WHEN 'postcodes' THEN EXISTS (SELECT 1 FROM postcode_points f WHERE f.extract_id = e.id)
           END
     ORDER BY e.extract_date > p_as_of, abs(e.extract_date - p_as_of), e.id DESC
     LIMIT 1
$$;

-- The extract of ``p_kind`` a scenario is judged on: its pin, else the nearest to ``p_as_of`` (default: the
-- scenario's own date) in its dataset.
CREATE FUNCTION scenario_extract(p_scenario_id integer, p_kind text, p_as_of date DEFAULT NULL)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE p_kind WHEN 'practices' THEN s.register_extract_id
                    WHEN 'list_sizes' THEN s.list_size_extract_id
                    WHEN 'postcodes' THEN s.location_extract_id END,
        nearest_extract(p_kind, s.dataset, coalesce(p_as_of, s.as_of)))
      FROM scenarios s WHERE s.id = p_scenario_id
$$;

-- Practice state as of a scope: the register extract's row (active GP practices, plus any practice that is a
-- member of the scenario, whatever its status), with the list size of the list-size extract and the postcode point of the postcode
-- extract. Members missing from the register extract are kept, named as the membership file names them.
CREATE FUNCTION practice_state(p_scenario_id integer, p_register integer, p_list_sizes integer,
                               p_locations integer, p_nation text)
RETURNS TABLE (practice_id integer, ods_code text, name text, postcode text, status text,
               prescribing_setting smallint, commissioner_code text, nation text, extended_hours boolean,
               in_register boolean, active_gp boolean, in_nation boolean, list_size integer, list_size_date date,
               list_size_ccg_code text, point_id integer)
LANGUAGE sql STABLE AS $$
    SELECT x.practice_id, x.ods_code, coalesce(x.name, x.ods_code), x.postcode, x.status,
           x.prescribing_setting, x.commissioner_code, x.nation, x.extended_hours, x.in_register,
           coalesce(x.status = 'active' AND x.prescribing_setting = 4, false),
           coalesce(x.nation = p_nation, true),
           ls.list_size, ls.list_size_date, ls.ccg_code, pt.id
      FROM (SELECT r.practice_id, r.ods_code, r.name, r.postcode, r.postcode_key, r.status, r.prescribing_setting,
                   r.commissioner_code, r.nation, r.extended_hours, true AS in_register
              FROM practice_register r
             WHERE r.extract_id = p_register
               AND ((r.status = 'active' AND r.prescribing_setting = 4)
                    OR r.practice_id IN (SELECT sm.practice_id FROM memberships sm WHERE sm.scenario_id = p_scenario_id))
            UNION ALL
            (SELECT DISTINCT ON (sm.practice_id) sm.practice_id, p.ods_code, sm.member_name, NULL, NULL, NULL,
                    NULL, sm.member_commissioner_code, NULL, NULL, false
               FROM memberships sm JOIN practices p ON p.id = sm.practice_id
              WHERE sm.scenario_id = p_scenario_id
                AND NOT EXISTS (SELECT 1 FROM practice_register r
                                 WHERE r.extract_id = p_register AND r.practice_id = sm.practice_id)
              ORDER BY sm.practice_id, sm.start_date DESC NULLS LAST)) x
      LEFT JOIN practice_list_sizes ls ON ls.extract_id = p_list_sizes AND ls.practice_id = x.practice_id
      LEFT JOIN postcode_points pt ON pt.extract_id = p_locations AND pt.postcode_key = x.postcode_key
$$;

-- ---- stored state of every scenario on its own extracts -------------------------------------------------

CREATE TABLE scenario_states (
    scenario_id           integer PRIMARY KEY REFERENCES scenarios (id) ON DELETE CASCADE,
    as_of                 date NOT NULL,
    register_extract_id   integer,
    list_size_extract_id  integer,
    location_extract_id   integer,
    nation                text NOT NULL
);

CREATE TABLE scenario_practice_state (
    scenario_id          integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    practice_id          integer NOT NULL,
    ods_code             text NOT NULL,
    name                 text,
    postcode             text,
    status               text,
    prescribing_setting  smallint,
    commissioner_code    text,
    nation               text,
    extended_hours       boolean,
    in_register          boolean NOT NULL,
    active_gp            boolean NOT NULL,
    in_nation            boolean NOT NULL,
    list_size            integer,
    list_size_date       date,
    list_size_ccg_code   text,
    point_id             integer,
    PRIMARY KEY (scenario_id, practice_id)
) PARTITION BY LIST (scenario_id);
-- One partition per scenario (made by refresh_scenario_state): a statement naming one scenario reads only its
-- rows, however many scenarios the database holds.

CREATE TABLE scenario_members (
    scenario_id        integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    membership_id      integer NOT NULL,
    network_id         integer NOT NULL,
    network_code       text NOT NULL,
    network_name       text NOT NULL,
    lead               text,
    practice_id        integer NOT NULL,
    ods_code           text NOT NULL,
    practice_name      text,
    commissioner_code  text,
    list_size          integer,
    extended_hours     boolean,
    point_id           integer,
    PRIMARY KEY (scenario_id, membership_id)
) PARTITION BY LIST (scenario_id);

CREATE FUNCTION scenario_state_partitions(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    sid integer;
    t text;
BEGIN
    FOR sid IN SELECT s.id FROM scenarios s WHERE s.id = ANY (p_scenario_ids) LOOP
        FOREACH t IN ARRAY ARRAY['scenario_practice_state', 'scenario_members'] LOOP
            IF to_regclass(format('%s_%s', t, sid)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)', format('%s_%s', t, sid), t, sid);
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- PL/pgSQL, not SQL: each statement is planned when reached, after any new partition exists.
CREATE FUNCTION refresh_scenario_state(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
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
                                  st.location_extract_id, st.nation) ps
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

-- Scenarios whose state may depend on facts of these extracts: every scenario of the extracts' datasets.
CREATE FUNCTION scenarios_of_extracts(p_extract_ids integer[]) RETURNS integer[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(s.id), '{}') FROM scenarios s
     WHERE s.dataset IN (SELECT e.dataset FROM extracts e WHERE e.id = ANY (p_extract_ids))
        -- facts whose extract is already gone (a cascaded delete): every scenario
        OR EXISTS (SELECT 1 FROM unnest(p_extract_ids) x (id) WHERE NOT EXISTS (SELECT 1 FROM extracts e WHERE e.id = x.id))
$$;

CREATE FUNCTION scope_state_on_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM new_rows;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(scenarios_of_extracts(ids));
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['practice_register', 'practice_list_sizes', 'postcode_points'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts()', t || '_scope_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts()', t || '_scope_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_facts()', t || '_scope_del', t);
    END LOOP;
END $$;

CREATE FUNCTION scope_state_on_extracts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.extract_date IS DISTINCT FROM o.extract_date OR n.dataset IS DISTINCT FROM o.dataset;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(scenarios_of_extracts(ids));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER extracts_scope_upd AFTER UPDATE ON extracts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_extracts();

CREATE FUNCTION scope_state_on_scenarios() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.as_of, n.nation, n.dataset, n.register_extract_id, n.list_size_extract_id, n.location_extract_id)
               IS DISTINCT FROM
               (o.as_of, o.nation, o.dataset, o.register_extract_id, o.list_size_extract_id, o.location_extract_id);
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER scenarios_scope_ins AFTER INSERT ON scenarios REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_scenarios();
CREATE TRIGGER scenarios_scope_upd AFTER UPDATE ON scenarios REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_scenarios();

CREATE FUNCTION scope_state_on_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT scenario_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.scenario_id) INTO ids FROM old_rows o
         WHERE EXISTS (SELECT 1 FROM scenarios s WHERE s.id = o.scenario_id);
    ELSE
        SELECT array_agg(DISTINCT x.scenario_id) INTO ids
          FROM (SELECT scenario_id FROM new_rows UNION SELECT scenario_id FROM old_rows) x;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_scope_ins AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_memberships();
CREATE TRIGGER memberships_scope_upd AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_memberships();
CREATE TRIGGER memberships_scope_del AFTER DELETE ON memberships REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_memberships();

-- Stored members carry their network's code, name and lead commissioner.
CREATE FUNCTION scope_state_on_networks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(DISTINCT n.scenario_id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE (n.code, n.name, n.lead_commissioner_code, n.scenario_id)
           IS DISTINCT FROM (o.code, o.name, o.lead_commissioner_code, o.scenario_id);
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER networks_scope_upd AFTER UPDATE ON networks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scope_state_on_networks();

-- Scenarios loaded before this migration.
SELECT refresh_scenario_state(ARRAY(SELECT id FROM scenarios));
