-- Rule engine, part 2: more derived facts so that a checks request only joins and aggregates.
--
--   membership_polygon_distance  for every membership whose network has a polygon and whose practice
--                                has a location: metres from the practice to the polygon (0 = inside)
--   area_geometry                each area's size in m² (EPSG:27700)

CREATE TABLE membership_polygon_distance (
    membership_id  integer PRIMARY KEY REFERENCES memberships (id) ON DELETE CASCADE,
    network_id     integer NOT NULL,
    practice_id    integer NOT NULL,
    distance_m     double precision NOT NULL
);
CREATE INDEX membership_polygon_distance_network_idx ON membership_polygon_distance (network_id);
CREATE INDEX membership_polygon_distance_practice_idx ON membership_polygon_distance (practice_id);

CREATE TABLE area_geometry (
    area_id  integer PRIMARY KEY REFERENCES areas (id) ON DELETE CASCADE,
    area_m2  double precision NOT NULL
);

CREATE FUNCTION analysis_refresh_membership_distance(p_membership_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM membership_polygon_distance WHERE membership_id = ANY (p_membership_ids);
    INSERT INTO membership_polygon_distance (membership_id, network_id, practice_id, distance_m)
    SELECT m.id, m.network_id, m.practice_id,
           CASE WHEN ST_Intersects(n.geom, p.location) THEN 0
                ELSE ST_Distance(p.location::geography, analysis_valid(n.geom)::geography) END
      FROM memberships m
      JOIN networks n ON n.id = m.network_id
      JOIN practices p ON p.id = m.practice_id
     WHERE m.id = ANY (p_membership_ids) AND n.geom IS NOT NULL AND p.location IS NOT NULL;
$$;

CREATE FUNCTION analysis_refresh_area_geometry(p_area_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_geometry WHERE area_id = ANY (p_area_ids);
    INSERT INTO area_geometry (area_id, area_m2)
    SELECT a.id, analysis_area_m2(analysis_valid(a.geom)) FROM areas a WHERE a.id = ANY (p_area_ids);
$$;

CREATE FUNCTION analysis_distance_on_memberships_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.network_id <> o.network_id OR n.practice_id <> o.practice_id;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_membership_distance(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_distance_memberships_ins AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_distance_on_memberships_change();
CREATE TRIGGER analysis_distance_memberships_upd AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_distance_on_memberships_change();

CREATE FUNCTION analysis_distance_on_practices_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(m.id) INTO ids
      FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN memberships m ON m.practice_id = n.id
     WHERE n.location IS DISTINCT FROM o.location;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_membership_distance(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_distance_practices_upd AFTER UPDATE ON practices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_distance_on_practices_change();

CREATE FUNCTION analysis_distance_on_networks_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(m.id) INTO ids
      FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN memberships m ON m.network_id = n.id
     WHERE n.geom IS DISTINCT FROM o.geom;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_membership_distance(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_distance_networks_upd AFTER UPDATE ON networks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_distance_on_networks_change();

CREATE FUNCTION analysis_area_geometry_on_areas_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_area_geometry(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_area_geometry_ins AFTER INSERT ON areas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_area_geometry_on_areas_change();
CREATE TRIGGER analysis_area_geometry_upd AFTER UPDATE ON areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_area_geometry_on_areas_change();

CREATE OR REPLACE FUNCTION analysis_rebuild_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_area_pieces(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_area_geometry(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_practice_areas(NULL, NULL);
    PERFORM analysis_refresh_network_geometry(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
    PERFORM analysis_refresh_network_overlaps(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL));
    PERFORM analysis_refresh_area_gaps(ARRAY(SELECT id FROM scenarios), NULL);
    PERFORM analysis_refresh_membership_distance(ARRAY(SELECT id FROM memberships));
END $$;

-- Data loaded before this migration.
SELECT analysis_refresh_area_geometry(ARRAY(SELECT id FROM areas));
SELECT analysis_refresh_membership_distance(ARRAY(SELECT id FROM memberships));
