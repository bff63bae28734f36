-- Dated facts: every loaded file is an extract (kind, date, dataset); a practice is an identity (ODS code)
-- with dated facts per extract; a scenario names its date, dataset, nation and the extracts it is judged on.
--
--   extracts             (was ``sources``) one row per loaded file or generator run, with its dataset
--   practices            identity only: the ODS code
--   practice_register    register state per register extract (name, postcode, status, setting, commissioner, nation)
--   practice_list_sizes  list size per list-size extract (with the CCG it was reported under)
--   postcode_points      location per postcode extract (postcode centroid)
--   point_areas          derived: the area of each postcode point per boundary set of the same dataset
--   network_point_distance  derived: metres from each member location to its network polygon
--
-- Nothing an import writes overwrites another extract's facts. Existing rows become facts of the extracts
-- they came from.

ALTER TABLE sources RENAME TO extracts;
ALTER TABLE extracts ADD COLUMN dataset text NOT NULL DEFAULT 'real' CHECK (dataset IN ('real', 'synthetic'));
UPDATE extracts SET dataset = 'synthetic' WHERE kind = 'demo';
CREATE INDEX extracts_kind_dataset_idx ON extracts (kind, dataset, extract_date);

-- ---- facts ------------------------------------------------------------------------------------

CREATE TABLE practice_register (
    extract_id           integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id          integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name                 text NOT NULL,
    postcode             text,
    postcode_key         text GENERATED ALWAYS AS (upper(replace(postcode, ' ', ''))) STORED,
    status               text NOT NULL CHECK (status IN ('active', 'closed')),
    prescribing_setting  smallint,                   -- 4 = GP practice
    commissioner_code    text,                       -- ODS code of the commissioner (CCG / sub-ICB / LHB)
    nation               text NOT NULL DEFAULT 'england'
                         CHECK (nation IN ('england', 'wales', 'scotland', 'northern_ireland', 'other')),
    extended_hours       boolean,
    ods_code             text NOT NULL,              -- the identity's code, kept beside the facts for reads
    PRIMARY KEY (extract_id, practice_id)
);
CREATE INDEX practice_register_practice_idx ON practice_register (practice_id);

-- Writers may leave ods_code out: it is taken from the identity.
CREATE FUNCTION practice_register_fill_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ods_code IS NULL THEN
        SELECT ods_code INTO NEW.ods_code FROM practices WHERE id = NEW.practice_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER practice_register_code BEFORE INSERT ON practice_register
    FOR EACH ROW WHEN (NEW.ods_code IS NULL) EXECUTE FUNCTION practice_register_fill_code();
CREATE INDEX practice_register_postcode_idx ON practice_register (postcode_key);
CREATE INDEX practice_register_commissioner_idx ON practice_register (extract_id, commissioner_code);

CREATE TABLE practice_list_sizes (
    extract_id      integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id     integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    list_size       integer NOT NULL CHECK (list_size >= 0),
    list_size_date  date NOT NULL,
    ccg_code        text,                           -- the CCG the practice was reported under (ODS)
    ons_ccg_code    text,                           -- and its GSS code
    PRIMARY KEY (extract_id, practice_id)
);
CREATE INDEX practice_list_sizes_practice_idx ON practice_list_sizes (practice_id);

CREATE TABLE postcode_points (
    id            serial PRIMARY KEY,
    extract_id    integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    postcode_key  text NOT NULL,                    -- upper case, no spaces
    geom          geometry(Point, 4326) NOT NULL,
    UNIQUE (extract_id, postcode_key)
);
CREATE INDEX postcode_points_key_idx ON postcode_points (postcode_key);
CREATE INDEX postcode_points_geom_gist ON postcode_points USING gist (geom);

-- As reported by the membership file: used for members that are not in the scenario's register extract.
ALTER TABLE memberships ADD COLUMN member_name text, ADD COLUMN member_commissioner_code text;

-- ---- existing rows become facts of the extracts they came from ------------------------------------

UPDATE memberships m SET member_name = p.name, member_commissioner_code = p.commissioner_code
  FROM practices p WHERE p.id = m.practice_id;

INSERT INTO practice_register (extract_id, practice_id, name, postcode, status, prescribing_setting,
                               commissioner_code, nation, extended_hours, ods_code)
SELECT p.source_id, p.id, p.name, p.postcode, p.status, p.prescribing_setting, p.commissioner_code,
       CASE WHEN p.commissioner_code LIKE '7A%' THEN 'wales' ELSE 'england' END, p.extended_hours, p.ods_code
  FROM practices p JOIN extracts e ON e.id = p.source_id
 WHERE e.kind IN ('practices', 'demo');

INSERT INTO practice_list_sizes (extract_id, practice_id, list_size, list_size_date)
SELECT p.list_size_source_id, p.id, p.list_size, coalesce(p.list_size_date, e.extract_date, e.loaded_at::date)
  FROM practices p JOIN extracts e ON e.id = p.list_size_source_id
 WHERE p.list_size IS NOT NULL;

INSERT INTO postcode_points (extract_id, postcode_key, geom)
SELECT DISTINCT ON (p.location_source_id, upper(replace(p.postcode, ' ', '')))
       p.location_source_id, upper(replace(p.postcode, ' ', '')), p.location
  FROM practices p
 WHERE p.location IS NOT NULL AND p.location_source_id IS NOT NULL AND p.postcode IS NOT NULL
 ORDER BY p.location_source_id, upper(replace(p.postcode, ' ', '')), p.id;

-- ---- scenarios and boundary sets carry their dataset and dates ----------------------------------

ALTER TABLE scenarios
    ADD COLUMN dataset text NOT NULL DEFAULT 'real' CHECK (dataset IN ('real', 'synthetic')),
    ADD COLUMN as_of date,
    ADD COLUMN nation text NOT NULL DEFAULT 'england'
        CHECK (nation IN ('england', 'wales', 'scotland', 'northern_ireland')),
    ADD COLUMN register_extract_id integer REFERENCES extracts (id) ON DELETE SET NULL,
    ADD COLUMN list_size_extract_id integer REFERENCES extracts (id) ON DELETE SET NULL,
    ADD COLUMN location_extract_id integer REFERENCES extracts (id) ON DELETE SET NULL,
    ADD COLUMN boundary_set_id integer REFERENCES boundary_sets (id) ON DELETE SET NULL;

UPDATE scenarios s SET dataset = e.dataset, as_of = e.extract_date FROM extracts e WHERE e.id = s.source_id;
UPDATE scenarios s SET register_extract_id = e.id, list_size_extract_id = e.id, location_extract_id = e.id
  FROM extracts e WHERE e.id = s.source_id AND e.kind = 'demo';
UPDATE scenarios SET as_of = created_at::date WHERE as_of IS NULL;
ALTER TABLE scenarios ALTER COLUMN as_of SET NOT NULL;

ALTER TABLE boundary_sets
    ADD COLUMN dataset text NOT NULL DEFAULT 'real' CHECK (dataset IN ('real', 'synthetic')),
    ADD COLUMN valid_from date;
UPDATE boundary_sets b SET dataset = e.dataset, valid_from = e.extract_date FROM extracts e WHERE e.id = b.source_id;
UPDATE boundary_sets SET valid_from = to_date(vintage || '-01', 'YYYY-MM-DD')
 WHERE valid_from IS NULL AND vintage ~ '^[0-9]{4}-[0-9]{2}$';
-- Demo sets (vintage 'demo') without a dated source: in force from the start.
UPDATE boundary_sets SET valid_from = '2000-01-01' WHERE valid_from IS NULL;
ALTER TABLE boundary_sets ALTER COLUMN valid_from SET NOT NULL;

-- ---- the old global practice row goes; its derived tables are replaced --------------------------

DROP TRIGGER analysis_practices_ins ON practices;
DROP TRIGGER analysis_practices_upd ON practices;
DROP TRIGGER analysis_distance_practices_upd ON practices;
DROP TRIGGER analysis_distance_memberships_ins ON memberships;
DROP TRIGGER analysis_distance_memberships_upd ON memberships;
DROP TRIGGER analysis_distance_networks_upd ON networks;
DROP FUNCTION analysis_on_practices_change();
DROP FUNCTION analysis_distance_on_practices_change();
DROP FUNCTION analysis_distance_on_memberships_change();
DROP FUNCTION analysis_distance_on_networks_change();
DROP FUNCTION analysis_refresh_membership_distance(integer[]);
DROP FUNCTION analysis_refresh_practice_areas(integer[], integer[]);
DROP TABLE membership_polygon_distance;
DROP TABLE practice_areas;

ALTER TABLE practices
    DROP COLUMN name, DROP COLUMN postcode, DROP COLUMN location, DROP COLUMN commissioner_code,
    DROP COLUMN status, DROP COLUMN prescribing_setting, DROP COLUMN list_size, DROP COLUMN list_size_date,
    DROP COLUMN extended_hours, DROP COLUMN source_id, DROP COLUMN list_size_source_id,
    DROP COLUMN location_source_id, DROP COLUMN updated_at;

-- ---- derived: point areas -------------------------------------------------------------------------

CREATE TABLE point_areas (
    point_id         integer NOT NULL REFERENCES postcode_points (id) ON DELETE CASCADE,
    boundary_set_id  integer NOT NULL REFERENCES boundary_sets (id) ON DELETE CASCADE,
    area_id          integer NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    PRIMARY KEY (point_id, boundary_set_id)
);
CREATE INDEX point_areas_area_idx ON point_areas (area_id);
CREATE INDEX point_areas_bs_idx ON point_areas (boundary_set_id);

-- The area of each given point (NULL = all) in each given boundary set (NULL = all) of the point's own
-- dataset. Where areas of one set overlap, the lowest area id wins (deterministic).
CREATE FUNCTION analysis_refresh_point_areas(p_point_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM point_areas
     WHERE (p_point_ids IS NULL OR point_id = ANY (p_point_ids))
       AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    INSERT INTO point_areas (point_id, boundary_set_id, area_id)
    SELECT DISTINCT ON (pt.id, ap.boundary_set_id) pt.id, ap.boundary_set_id, ap.area_id
      FROM postcode_points pt
      JOIN extracts e ON e.id = pt.extract_id
      JOIN area_pieces ap ON ST_Intersects(ap.geom, pt.geom)
      JOIN boundary_sets bs ON bs.id = ap.boundary_set_id AND bs.dataset = e.dataset
     WHERE (p_point_ids IS NULL OR pt.id = ANY (p_point_ids))
       AND (p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids))
     ORDER BY pt.id, ap.boundary_set_id, ap.area_id;
$$;

CREATE FUNCTION analysis_on_points_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_point_areas(ARRAY(SELECT id FROM new_rows), NULL);
    PERFORM analysis_refresh_network_points(NULL, ARRAY(
        SELECT DISTINCT r.practice_id FROM new_rows n JOIN practice_register r ON r.postcode_key = n.postcode_key));
    RETURN NULL;
END $$;

-- ---- derived: member locations against their network polygon --------------------------------------

CREATE TABLE network_point_distance (
    network_id  integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    point_id    integer NOT NULL REFERENCES postcode_points (id) ON DELETE CASCADE,
    distance_m  double precision NOT NULL,
    PRIMARY KEY (network_id, point_id)
);
CREATE INDEX network_point_distance_point_idx ON network_point_distance (point_id);

-- Distances for every (network with a polygon, location of one of its members in any register and
-- postcode extract of the network's dataset). Rows of the given networks are rebuilt; for the given
-- practices, missing pairs are added.
CREATE FUNCTION analysis_refresh_network_points(p_network_ids integer[], p_practice_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_point_distance WHERE network_id = ANY (coalesce(p_network_ids, '{}'));
    WITH pairs AS (
        SELECT DISTINCT m.network_id, pt.id AS point_id
          FROM memberships m
          JOIN scenarios s ON s.id = m.scenario_id
          JOIN practice_register r ON r.practice_id = m.practice_id
          JOIN extracts re ON re.id = r.extract_id AND re.dataset = s.dataset
          JOIN postcode_points pt ON pt.postcode_key = r.postcode_key
          JOIN extracts pe ON pe.id = pt.extract_id AND pe.dataset = s.dataset
         WHERE m.network_id = ANY (coalesce(p_network_ids, '{}'))
            OR m.practice_id = ANY (coalesce(p_practice_ids, '{}'))
    )
    INSERT INTO network_point_distance (network_id, point_id, distance_m)
    SELECT x.network_id, x.point_id,
           CASE WHEN ST_Intersects(n.geom, pt.geom) THEN 0
                ELSE ST_Distance(pt.geom::geography, analysis_valid(n.geom)::geography) END
      FROM pairs x
      JOIN networks n ON n.id = x.network_id AND n.geom IS NOT NULL
      JOIN postcode_points pt ON pt.id = x.point_id
     ORDER BY x.network_id
    ON CONFLICT (network_id, point_id) DO NOTHING;
$$;

CREATE TRIGGER analysis_points_ins AFTER INSERT ON postcode_points REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_points_insert();

-- Facts are not normally edited, but a corrected point must not leave stale derived rows.
CREATE FUNCTION analysis_on_points_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE NOT ST_Equals(n.geom, o.geom) OR n.postcode_key <> o.postcode_key;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_point_areas(ids, NULL);
        PERFORM analysis_refresh_network_points(
            ARRAY(SELECT DISTINCT d.network_id FROM network_point_distance d WHERE d.point_id = ANY (ids)
                  UNION
                  SELECT DISTINCT m.network_id FROM new_rows n
                    JOIN practice_register r ON r.postcode_key = n.postcode_key
                    JOIN memberships m ON m.practice_id = r.practice_id
                   WHERE n.id = ANY (ids)),
            NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_points_upd AFTER UPDATE ON postcode_points
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_points_update();

CREATE FUNCTION analysis_points_on_memberships_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_network_points(ARRAY(SELECT DISTINCT network_id FROM new_rows), NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_points_memberships_ins AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_memberships_insert();

CREATE FUNCTION analysis_points_on_memberships_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT DISTINCT o.network_id FROM old_rows o WHERE EXISTS (SELECT 1 FROM networks n WHERE n.id = o.network_id)),
            NULL);
    ELSE
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT n.network_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.network_id <> o.network_id OR n.practice_id <> o.practice_id
            UNION
            SELECT o.network_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.network_id <> o.network_id OR n.practice_id <> o.practice_id), NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_points_memberships_upd AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_memberships_change();
CREATE TRIGGER analysis_points_memberships_del AFTER DELETE ON memberships REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_memberships_change();

CREATE FUNCTION analysis_points_on_register_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_network_points(NULL, ARRAY(
        SELECT DISTINCT n.practice_id FROM new_rows n
         WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.practice_id = n.practice_id)));
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_points_register_ins AFTER INSERT ON practice_register REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_register_insert();

CREATE FUNCTION analysis_points_on_networks_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM analysis_refresh_network_points(ARRAY(SELECT id FROM new_rows WHERE geom IS NOT NULL), NULL);
    ELSE
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.geom IS DISTINCT FROM o.geom), NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_points_networks_ins AFTER INSERT ON networks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_networks_change();
CREATE TRIGGER analysis_points_networks_upd AFTER UPDATE ON networks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_points_on_networks_change();

-- ---- areas: point areas instead of practice areas ---------------------------------------------------

CREATE OR REPLACE FUNCTION analysis_on_areas_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    bs integer[];
    nets integer[];
    scen integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id), array_agg(DISTINCT boundary_set_id) INTO ids, bs FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.id), array_agg(DISTINCT n.boundary_set_id) INTO ids, bs
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom OR n.boundary_set_id <> o.boundary_set_id;
    ELSE
        SELECT array_agg(DISTINCT o.boundary_set_id) INTO bs
          FROM old_rows o WHERE EXISTS (SELECT 1 FROM boundary_sets b WHERE b.id = o.boundary_set_id);
        IF bs IS NOT NULL THEN
            -- Points that sat in a deleted area may sit in another (overlapping) one.
            PERFORM analysis_refresh_point_areas(
                ARRAY(SELECT pt.id FROM postcode_points pt WHERE NOT EXISTS (
                      SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.boundary_set_id = ANY (bs))),
                bs);
            SELECT array_agg(DISTINCT scenario_id) INTO scen FROM networks WHERE geom IS NOT NULL;
            IF scen IS NOT NULL THEN
                PERFORM analysis_refresh_area_gaps(scen, ARRAY(SELECT id FROM areas WHERE boundary_set_id = ANY (bs)));
            END IF;
        END IF;
        RETURN NULL;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM analysis_refresh_area_pieces(ids);
    PERFORM analysis_refresh_point_areas(
        ARRAY(SELECT pt.id FROM postcode_points pt JOIN area_pieces ap ON ap.area_id = ANY (ids)
                                                  AND ST_Intersects(ap.geom, pt.geom)
              UNION
              SELECT pa.point_id FROM point_areas pa WHERE pa.area_id = ANY (ids)),
        bs);
    SELECT array_agg(DISTINCT n.id), array_agg(DISTINCT n.scenario_id) INTO nets, scen
      FROM networks n JOIN areas a ON a.id = ANY (ids) AND ST_Intersects(n.geom, a.geom)
     WHERE n.geom IS NOT NULL;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM network_area_shares WHERE area_id = ANY (ids);
    END IF;
    IF nets IS NOT NULL THEN
        PERFORM analysis_refresh_network_geometry(nets, bs);
    END IF;
    SELECT array_agg(DISTINCT scenario_id) INTO scen FROM networks WHERE geom IS NOT NULL;
    IF scen IS NOT NULL THEN
        PERFORM analysis_refresh_area_gaps(scen, ARRAY(SELECT id FROM areas WHERE boundary_set_id = ANY (bs)));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION analysis_rebuild_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_area_pieces(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_area_geometry(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_point_areas(NULL, NULL);
    PERFORM analysis_refresh_network_geometry(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
    PERFORM analysis_refresh_network_overlaps(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL));
    PERFORM analysis_refresh_area_gaps(ARRAY(SELECT id FROM scenarios), NULL);
    PERFORM analysis_refresh_network_points(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
END $$;

-- ---- data version: the fact tables count as data ---------------------------------------------------

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['practice_register', 'practice_list_sizes', 'postcode_points'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version_del', t);
    END LOOP;
END $$;

-- Data loaded before this migration.
SELECT analysis_refresh_point_areas(NULL, NULL);
SELECT analysis_refresh_network_points(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
