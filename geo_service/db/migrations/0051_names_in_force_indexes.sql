-- Issue 19: area_name_in_force(code, dataset, date) is called per row by pages, exports and OGC features:
-- look codes up by index, not by scanning every boundary set's areas and every lookup row.
CREATE INDEX IF NOT EXISTS areas_ods_code_idx ON areas (ods_code);
CREATE INDEX IF NOT EXISTS areas_gss_code_idx ON areas (gss_code);
CREATE INDEX IF NOT EXISTS code_lookups_ods_idx ON code_lookups (ods_code);
