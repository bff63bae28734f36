-- Function practice_commissioners.
-- Each practice's commissioner as of a date: the nearest statement (see the head of this file).
CREATE OR REPLACE FUNCTION practice_commissioners(p_dataset text, p_as_of date)
RETURNS TABLE (practice_id integer, commissioner_code text, stated_on date, source text, extract_id integer)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (c.practice_id) c.practice_id, c.commissioner_code, c.stated_on, c.source, c.extract_id
      FROM commissioner_statements(p_dataset) c
     ORDER BY c.practice_id, abs(c.stated_on - p_as_of), c.stated_on > p_as_of,
              CASE c.source WHEN 'register' THEN 0 WHEN 'membership_file' THEN 1 ELSE 2 END, c.extract_id DESC
$$;
