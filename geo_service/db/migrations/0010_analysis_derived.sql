-- Rule engine: derived geometry facts, kept up to date by triggers so that a checks request
-- does no heavy geometry work. Everything here can be rebuilt from the base tables with
-- analysis_rebuild_all().
--
--   area_pieces          ST_Subdivide'd areas (point-in-polygon and intersections use these)
--   practice_areas       the area each located practice falls in, per boundary set
--   network_geometry     each network polygon's area in m² (EPSG:27700)
--   network_area_shares  each network polygon's area per area of each boundary set (m², share)
--   network_overlaps     pairs of networks of the same scenario whose polygons overlap (m²)
--   area_gaps            parts of an area covered by no network polygon of a scenario
--
-- Areas are measured in EPSG:27700 (British National Grid); geometry stays in EPSG:4326.

CREATE TABLE area_pieces (
    id               bigserial PRIMARY KEY,
    area_id          integer NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    boundary_set_id  integer NOT NULL REFERENCES boundary_sets (id) ON DELETE CASCADE,
    geom             geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX area_pieces_geom_gist ON area_pieces USING gist (geom);
CREATE INDEX area_pieces_area_idx ON area_pieces (area_id);

CREATE TABLE practice_areas (
    practice_id      integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    boundary_set_id  integer NOT NULL REFERENCES boundary_sets (id) ON DELETE CASCADE,
    area_id          integer NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    PRIMARY KEY (practice_id, boundary_set_id)
);
CREATE INDEX practice_areas_area_idx ON practice_areas (area_id);
CREATE INDEX practice_areas_bs_idx ON practice_areas (boundary_set_id);

CREATE TABLE network_geometry (
    network_id   integer PRIMARY KEY REFERENCES networks (id) ON DELETE CASCADE,
    scenario_id  integer NOT NULL,
    area_m2      double precision NOT NULL
);

CREATE TABLE network_area_shares (
    network_id       integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    area_id          integer NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    boundary_set_id  integer NOT NULL REFERENCES boundary_sets (id) ON DELETE CASCADE,
    area_m2          double precision NOT NULL,
    share            double precision NOT NULL,
    PRIMARY KEY (network_id, area_id)
);
CREATE INDEX network_area_shares_bs_idx ON network_area_shares (boundary_set_id, network_id);
CREATE INDEX network_area_shares_area_idx ON network_area_shares (area_id);

CREATE TABLE network_overlaps (
    scenario_id  integer NOT NULL,
    network_a    integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    network_b    integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    overlap_m2   double precision NOT NULL,
    PRIMARY KEY (network_a, network_b),
    CHECK (network_a < network_b)
);
CREATE INDEX network_overlaps_scenario_idx ON network_overlaps (scenario_id);
CREATE INDEX network_overlaps_b_idx ON network_overlaps (network_b);

CREATE TABLE area_gaps (
    scenario_id  integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    area_id      integer NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    part         integer NOT NULL,
    gap_m2       double precision NOT NULL,
    geom         geometry(Polygon, 4326) NOT NULL,
    PRIMARY KEY (scenario_id, area_id, part)
);
CREATE INDEX area_gaps_area_idx ON area_gaps (area_id);

-- A geometry that is safe to feed to GEOS overlay functions.
CREATE FUNCTION analysis_valid(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN g IS NULL OR ST_IsValid(g) THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END
$$;

-- Area in m² of a lon/lat geometry, measured in British National Grid.
CREATE FUNCTION analysis_area_m2(g geometry) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(ST_Area(ST_Transform(ST_CollectionExtract(g, 3), 27700)), 0)
$$;

-- ---- building blocks ------------------------------------------------------------------------

-- Subdivided pieces of the given areas.
CREATE FUNCTION analysis_refresh_area_pieces(p_area_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_pieces WHERE area_id = ANY (p_area_ids);
    INSERT INTO area_pieces (area_id, boundary_set_id, geom)
    SELECT a.id, a.boundary_set_id, d.geom
      FROM areas a,
           LATERAL ST_Subdivide(analysis_valid(a.geom), 128) AS s(g),
           LATERAL ST_Dump(s.g) AS d
     WHERE a.id = ANY (p_area_ids) AND ST_GeometryType(d.geom) = 'ST_Polygon';
$$;

-- The area of each located practice, for the given practices (NULL = all) and boundary sets
-- (NULL = all). Where areas of one set overlap, the lowest area id wins (deterministic).
CREATE FUNCTION analysis_refresh_practice_areas(p_practice_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM practice_areas
     WHERE (p_practice_ids IS NULL OR practice_id = ANY (p_practice_ids))
       AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    INSERT INTO practice_areas (practice_id, boundary_set_id, area_id)
    SELECT DISTINCT ON (p.id, ap.boundary_set_id) p.id, ap.boundary_set_id, ap.area_id
      FROM practices p
      JOIN area_pieces ap ON ST_Intersects(ap.geom, p.location)
     WHERE p.location IS NOT NULL
       AND (p_practice_ids IS NULL OR p.id = ANY (p_practice_ids))
       AND (p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids))
     ORDER BY p.id, ap.boundary_set_id, ap.area_id;
$$;

-- Polygon area, area shares (against the given boundary sets, NULL = all) and overlaps of the given networks.
CREATE FUNCTION analysis_refresh_network_geometry(p_network_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_geometry WHERE network_id = ANY (p_network_ids);
    INSERT INTO network_geometry (network_id, scenario_id, area_m2)
    SELECT n.id, n.scenario_id, analysis_area_m2(analysis_valid(n.geom))
      FROM networks n WHERE n.id = ANY (p_network_ids) AND n.geom IS NOT NULL;

    DELETE FROM network_area_shares
     WHERE network_id = ANY (p_network_ids) AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    WITH nv AS MATERIALIZED (
        SELECT n.id, analysis_valid(n.geom) AS g FROM networks n
         WHERE n.id = ANY (p_network_ids) AND n.geom IS NOT NULL
    ), x AS (
        SELECT nv.id AS network_id, ap.area_id, ap.boundary_set_id,
               sum(CASE WHEN ST_Within(ap.geom, nv.g) THEN analysis_area_m2(ap.geom)
                        ELSE analysis_area_m2(ST_Intersection(nv.g, ap.geom)) END) AS m2
          FROM nv JOIN area_pieces ap ON ap.geom && nv.g AND ST_Intersects(ap.geom, nv.g)
         WHERE p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids)
         GROUP BY nv.id, ap.area_id, ap.boundary_set_id
    )
    INSERT INTO network_area_shares (network_id, area_id, boundary_set_id, area_m2, share)
    SELECT x.network_id, x.area_id, x.boundary_set_id, x.m2,
           CASE WHEN ng.area_m2 > 0 THEN x.m2 / ng.area_m2 ELSE 0 END
      FROM x JOIN network_geometry ng ON ng.network_id = x.network_id
     WHERE x.m2 > 0;
$$;

CREATE FUNCTION analysis_refresh_network_overlaps(p_network_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_overlaps WHERE network_a = ANY (p_network_ids) OR network_b = ANY (p_network_ids);
    WITH va AS MATERIALIZED (
        SELECT n.id, n.scenario_id, n.geom, analysis_valid(n.geom) AS g FROM networks n
         WHERE n.id = ANY (p_network_ids) AND n.geom IS NOT NULL
    ), pairs AS (
        SELECT DISTINCT ON (least(va.id, b.id), greatest(va.id, b.id))
               va.scenario_id, least(va.id, b.id) AS a_id, greatest(va.id, b.id) AS b_id, va.g AS ga, b.geom AS gb
          FROM va JOIN networks b ON b.geom && va.geom AND b.scenario_id = va.scenario_id AND b.id <> va.id
         ORDER BY least(va.id, b.id), greatest(va.id, b.id)
    ), measured AS (
        SELECT scenario_id, a_id, b_id, analysis_area_m2(ST_Intersection(ga, analysis_valid(gb))) AS m2 FROM pairs
    )
    INSERT INTO network_overlaps (scenario_id, network_a, network_b, overlap_m2)
    SELECT scenario_id, a_id, b_id, m2 FROM measured WHERE m2 > 0;
$$;

-- Gaps of one scenario in the given areas. Only areas that are the main area (largest share)
-- of at least one of the scenario's network polygons are considered: a scenario whose polygons
-- cover one county does not make every other area a "gap".
CREATE FUNCTION analysis_refresh_area_gaps(p_scenario_ids integer[], p_area_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_gaps
     WHERE scenario_id = ANY (p_scenario_ids) AND (p_area_ids IS NULL OR area_id = ANY (p_area_ids));
    WITH main_area AS (
        SELECT DISTINCT ON (s.network_id, s.boundary_set_id) n.scenario_id, s.area_id
          FROM network_area_shares s JOIN networks n ON n.id = s.network_id
         WHERE n.scenario_id = ANY (p_scenario_ids)
         ORDER BY s.network_id, s.boundary_set_id, s.share DESC, s.area_id
    ), todo AS (
        SELECT DISTINCT m.scenario_id, m.area_id FROM main_area m
         WHERE p_area_ids IS NULL OR m.area_id = ANY (p_area_ids)
    ), diff AS (
        SELECT t.scenario_id, t.area_id,
               ST_Difference(analysis_valid(a.geom),
                             coalesce((SELECT ST_Union(analysis_valid(n.geom)) FROM networks n
                                        WHERE n.scenario_id = t.scenario_id AND n.geom && a.geom),
                                      'SRID=4326;POLYGON EMPTY'::geometry)) AS g
          FROM todo t JOIN areas a ON a.id = t.area_id
    )
    INSERT INTO area_gaps (scenario_id, area_id, part, gap_m2, geom)
    SELECT d.scenario_id, d.area_id, row_number() OVER (PARTITION BY d.scenario_id, d.area_id ORDER BY p.path),
           analysis_area_m2(p.geom), p.geom
      FROM diff d, LATERAL ST_Dump(ST_CollectionExtract(d.g, 3)) AS p
     WHERE analysis_area_m2(p.geom) >= 1;
$$;

-- Everything, from scratch (for repairs and for data loaded before this migration).
CREATE FUNCTION analysis_rebuild_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_area_pieces(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_practice_areas(NULL, NULL);
    PERFORM analysis_refresh_network_geometry(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
    PERFORM analysis_refresh_network_overlaps(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL));
    PERFORM analysis_refresh_area_gaps(ARRAY(SELECT id FROM scenarios), NULL);
END $$;

-- ---- triggers (statement level, with transition tables: one set-based pass per statement) ----

CREATE FUNCTION analysis_on_areas_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
            -- Practices that sat in a deleted area may sit in another (overlapping) one.
            PERFORM analysis_refresh_practice_areas(
                ARRAY(SELECT p.id FROM practices p WHERE p.location IS NOT NULL AND NOT EXISTS (
                      SELECT 1 FROM practice_areas pa WHERE pa.practice_id = p.id AND pa.boundary_set_id = ANY (bs))),
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
    PERFORM analysis_refresh_practice_areas(
        ARRAY(SELECT p.id FROM practices p JOIN area_pieces ap ON ap.area_id = ANY (ids)
                                          AND ST_Intersects(ap.geom, p.location)
              UNION
              SELECT pa.practice_id FROM practice_areas pa WHERE pa.area_id = ANY (ids)),
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

CREATE TRIGGER analysis_areas_ins AFTER INSERT ON areas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_areas_change();
CREATE TRIGGER analysis_areas_upd AFTER UPDATE ON areas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_areas_change();
CREATE TRIGGER analysis_areas_del AFTER DELETE ON areas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_areas_change();

CREATE FUNCTION analysis_on_practices_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows WHERE location IS NOT NULL;
    ELSE
        SELECT array_agg(n.id) INTO ids
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.location IS DISTINCT FROM o.location;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_practice_areas(ids, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_practices_ins AFTER INSERT ON practices REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_practices_change();
CREATE TRIGGER analysis_practices_upd AFTER UPDATE ON practices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_practices_change();

CREATE FUNCTION analysis_on_networks_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    gone integer[];
    scen integer[];
    touched integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id), array_agg(DISTINCT scenario_id) INTO ids, scen FROM new_rows WHERE geom IS NOT NULL;
        SELECT array_agg(DISTINCT ap.area_id) INTO touched
          FROM new_rows n JOIN area_pieces ap ON ST_Intersects(ap.geom, n.geom) WHERE n.geom IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.id), array_agg(DISTINCT n.scenario_id) INTO ids, scen
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom OR n.scenario_id <> o.scenario_id;
        IF ids IS NULL THEN
            RETURN NULL;
        END IF;
        SELECT array_agg(DISTINCT ap.area_id) INTO touched FROM (
            SELECT geom FROM new_rows WHERE id = ANY (ids) AND geom IS NOT NULL
            UNION ALL SELECT geom FROM old_rows WHERE id = ANY (ids) AND geom IS NOT NULL) g
          JOIN area_pieces ap ON ST_Intersects(ap.geom, g.geom);
        -- networks whose polygon was removed: clear their derived rows
        SELECT array_agg(id) INTO gone FROM new_rows WHERE id = ANY (ids) AND geom IS NULL;
        IF gone IS NOT NULL THEN
            DELETE FROM network_geometry WHERE network_id = ANY (gone);
            DELETE FROM network_area_shares WHERE network_id = ANY (gone);
            DELETE FROM network_overlaps WHERE network_a = ANY (gone) OR network_b = ANY (gone);
        END IF;
        SELECT array_agg(id) INTO ids FROM new_rows WHERE id = ANY (ids) AND geom IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT o.scenario_id) INTO scen
          FROM old_rows o WHERE o.geom IS NOT NULL AND EXISTS (SELECT 1 FROM scenarios s WHERE s.id = o.scenario_id);
        SELECT array_agg(DISTINCT ap.area_id) INTO touched
          FROM old_rows o JOIN area_pieces ap ON ST_Intersects(ap.geom, o.geom) WHERE o.geom IS NOT NULL;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_network_geometry(ids, NULL);
        PERFORM analysis_refresh_network_overlaps(ids);
    END IF;
    IF scen IS NOT NULL AND touched IS NOT NULL THEN
        PERFORM analysis_refresh_area_gaps(scen, touched);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_networks_ins AFTER INSERT ON networks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_networks_change();
CREATE TRIGGER analysis_networks_upd AFTER UPDATE ON networks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_networks_change();
CREATE TRIGGER analysis_networks_del AFTER DELETE ON networks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_on_networks_change();

-- Data loaded before this migration.
SELECT analysis_rebuild_all();
