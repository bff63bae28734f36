-- Function scope_practice_source.
-- Which file says which practices exist on p_as_of: 'register', 'list_sizes' or NULL (none near enough).
CREATE OR REPLACE FUNCTION scope_practice_source(p_register integer, p_list_sizes integer, p_as_of date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM extracts e WHERE e.id = p_register AND e.extract_date IS NOT NULL
                        AND abs(e.extract_date - p_as_of) <= register_near_days()) THEN 'register'
        WHEN EXISTS (SELECT 1 FROM extracts e WHERE e.id = p_list_sizes AND e.extract_date IS NOT NULL
                        AND abs(e.extract_date - p_as_of) <= list_sizes_near_days()) THEN 'list_sizes'
    END
$$;
