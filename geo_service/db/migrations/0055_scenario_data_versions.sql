-- Caches per scenario (issue 19). The data version (0001) moves with every writing transaction, so a private
-- draft edit used to drop every public page, layer, tile and embed cache. Now each change also notes *what* it
-- changed, as the data version it made:
--   data_version.shared_version        the data version of the last change to data every scenario reads
--                                      (practices and their dated facts, postcodes, boundaries)
--   scenario_data_versions.version     the data version of the last change to one scenario (its row, networks,
--                                      memberships, change requests)
-- A scenario's own version is the greater of the two: an edit of one plan moves that plan's only; an import
-- moves everyone's. Results and ETags of one scenario are keyed on it (geo_service/caching.py).
-- The triggers are named to fire after the ``<table>_version_*`` triggers (same event: alphabetical order), so
-- they read the data version this transaction has already made.

ALTER TABLE data_version ADD COLUMN shared_version bigint;
UPDATE data_version SET shared_version = version;
ALTER TABLE data_version ALTER COLUMN shared_version SET NOT NULL;

-- No foreign key: a deleted scenario's row is harmless (its id is never given out again), and the DELETE
-- trigger of scenarios writes it after the scenario is gone.
CREATE TABLE scenario_data_versions (
    scenario_id  integer PRIMARY KEY,
    version      bigint NOT NULL
);
INSERT INTO scenario_data_versions (scenario_id, version) SELECT s.id, d.version FROM scenarios s, data_version d;

CREATE FUNCTION note_shared_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE data_version SET shared_version = version WHERE shared_version IS DISTINCT FROM version;
    END IF;
    RETURN NULL;
END $$;

-- TG_ARGV[0]: the column naming the scenario (``scenario_id``, or ``id`` on scenarios itself).
CREATE FUNCTION note_scenario_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO scenario_data_versions AS v (scenario_id, version)
         SELECT DISTINCT c.%1$I, d.version FROM changed c CROSS JOIN data_version d WHERE c.%1$I IS NOT NULL
         ON CONFLICT (scenario_id) DO UPDATE SET version = excluded.version
          WHERE v.version IS DISTINCT FROM excluded.version', TG_ARGV[0]);
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['boundary_sets', 'areas', 'practices', 'practice_register', 'practice_list_sizes',
                             'postcode_points'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_shared_change()', t || '_zz_scope_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_shared_change()', t || '_zz_scope_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_shared_change()', t || '_zz_scope_del', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['scenarios:id', 'networks:scenario_id', 'memberships:scenario_id',
                             'change_requests:scenario_id'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_scenario_change(%L)',
                       split_part(t, ':', 1) || '_zz_scope_ins', split_part(t, ':', 1), split_part(t, ':', 2));
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_scenario_change(%L)',
                       split_part(t, ':', 1) || '_zz_scope_upd', split_part(t, ':', 1), split_part(t, ':', 2));
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_scenario_change(%L)',
                       split_part(t, ':', 1) || '_zz_scope_del', split_part(t, ':', 1), split_part(t, ':', 2));
    END LOOP;
END $$;
