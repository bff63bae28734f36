-- Function note_scenario_change.
-- TG_ARGV[0]: the column naming the scenario (``scenario_id``, or ``id`` on scenarios itself).
CREATE OR REPLACE FUNCTION note_scenario_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO scenario_data_versions AS v (scenario_id, version)
         SELECT DISTINCT c.%1$I, d.version FROM changed c CROSS JOIN data_version d WHERE c.%1$I IS NOT NULL
         ON CONFLICT (scenario_id) DO UPDATE SET version = excluded.version
          WHERE v.version IS DISTINCT FROM excluded.version', TG_ARGV[0]);
    RETURN NULL;
END $$;
