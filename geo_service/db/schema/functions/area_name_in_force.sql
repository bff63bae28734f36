-- Function area_name_in_force.
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
