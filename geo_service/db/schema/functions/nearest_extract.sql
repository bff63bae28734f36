-- Function nearest_extract.
-- The extract of ``p_kind`` ('practices', 'list_sizes', 'postcodes') of a dataset nearest to a date that
-- holds facts of that kind: the latest on or before it, else the earliest after it.
CREATE OR REPLACE FUNCTION nearest_extract(p_kind text, p_dataset text, p_as_of date) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT e.id FROM extracts e
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL
       AND CASE p_kind
               WHEN 'practices' THEN EXISTS (SELECT 1 FROM practice_register f WHERE f.extract_id = e.id)
               WHEN 'list_sizes' THEN EXISTS (SELECT 1 FROM practice_list_sizes f WHERE f.extract_id = e.id)
               WHEN 'postcodes' THEN EXISTS (SELECT 1 FROM postcode_points f WHERE f.extract_id = e.id)
           END
     ORDER BY e.extract_date > p_as_of, abs(e.extract_date - p_as_of), e.id DESC
     LIMIT 1
$$;
