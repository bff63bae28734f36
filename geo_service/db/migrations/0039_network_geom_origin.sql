-- Where a network's polygon came from: an imported file, derived from its members' locations (territories),
-- drawn in the plan editor, or uploaded there. NULL while a network has no polygon.
ALTER TABLE networks ADD COLUMN geom_origin text
    CHECK (geom_origin IN ('imported', 'derived', 'drawn', 'uploaded'));
UPDATE networks SET geom_origin = 'imported' WHERE geom IS NOT NULL;
