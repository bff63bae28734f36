-- Initial schema: boundary sets and areas, practices, scenarios, networks, memberships,
-- provenance of every loaded file, and a data-version counter for cache validation.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Bumped at most once per transaction that actually changed rows (see bump_data_version()).
CREATE TABLE data_version (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    version     bigint      NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    last_txid   bigint
);
INSERT INTO data_version (id) VALUES (true);

-- One row per file loaded (or generator run): provenance for every record.
CREATE TABLE sources (
    id            serial PRIMARY KEY,
    kind          text        NOT NULL,           -- boundaries, practices, list_sizes, postcodes, pcn, networks, demo
    file_name     text        NOT NULL,
    sha256        text,
    extract_date  date,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, file_name, sha256)
);

CREATE TABLE boundary_sets (
    id          serial PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name        text NOT NULL UNIQUE,               -- "CCG April 2019"
    level       text NOT NULL,                      -- ccg, sub_icb, icb, ...
    vintage     text NOT NULL,                      -- "2019-04"
    source_id   integer REFERENCES sources (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE areas (
    id               serial PRIMARY KEY,
    boundary_set_id  integer NOT NULL REFERENCES boundary_sets (id) ON DELETE CASCADE,
    ods_code         text,                          -- 99J
    gss_code         text,                          -- E38000...
    name             text NOT NULL,
    geom             geometry(MultiPolygon, 4326) NOT NULL,
    made_valid       boolean NOT NULL DEFAULT false,
    CHECK (ods_code IS NOT NULL OR gss_code IS NOT NULL),
    UNIQUE (boundary_set_id, ods_code),
    UNIQUE (boundary_set_id, gss_code)
);
CREATE INDEX areas_geom_gist ON areas USING gist (geom);

CREATE TABLE practices (
    id                   serial PRIMARY KEY,
    ods_code             text NOT NULL UNIQUE,
    name                 text NOT NULL,
    postcode             text,
    location             geometry(Point, 4326),
    commissioner_code    text,                       -- ODS code of the commissioner (CCG / sub-ICB)
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    prescribing_setting  smallint,                   -- 4 = GP practice
    list_size            integer CHECK (list_size >= 0),
    list_size_date       date,
    extended_hours       boolean,
    source_id            integer REFERENCES sources (id),
    list_size_source_id  integer REFERENCES sources (id),
    location_source_id   integer REFERENCES sources (id),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX practices_location_gist ON practices USING gist (location);
CREATE INDEX practices_commissioner_idx ON practices (commissioner_code);
CREATE INDEX practices_postcode_idx ON practices (upper(replace(postcode, ' ', '')));

CREATE TABLE scenarios (
    id               serial PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name             text NOT NULL UNIQUE,
    description      text,
    min_population   integer,                        -- per-scenario override of the size band
    max_population   integer,
    source_id        integer REFERENCES sources (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (min_population IS NULL OR max_population IS NULL OR min_population <= max_population)
);

CREATE TABLE networks (
    id                      serial PRIMARY KEY,
    scenario_id             integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    code                    text NOT NULL,
    name                    text NOT NULL,
    lead_commissioner_code  text,
    geom                    geometry(MultiPolygon, 4326),
    geom_made_valid         boolean NOT NULL DEFAULT false,
    source_id               integer REFERENCES sources (id),
    UNIQUE (scenario_id, code),
    UNIQUE (id, scenario_id)
);
CREATE INDEX networks_geom_gist ON networks USING gist (geom);

CREATE TABLE memberships (
    id           serial PRIMARY KEY,
    scenario_id  integer NOT NULL,
    network_id   integer NOT NULL,
    practice_id  integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    start_date   date,
    end_date     date,
    source_id    integer REFERENCES sources (id),
    FOREIGN KEY (network_id, scenario_id) REFERENCES networks (id, scenario_id) ON DELETE CASCADE,
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE UNIQUE INDEX memberships_unique ON memberships (network_id, practice_id, coalesce(start_date, '-infinity'::date));
CREATE INDEX memberships_scenario_practice_idx ON memberships (scenario_id, practice_id);

-- Data version: one bump per writing transaction that changed at least one row.
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE data_version
           SET version = version + 1, updated_at = now(), last_txid = txid_current()
         WHERE last_txid IS DISTINCT FROM txid_current();
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['boundary_sets', 'areas', 'practices', 'scenarios', 'networks', 'memberships'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_del', t);
    END LOOP;
END $$;
