-- Function commissioner_statements.
-- Every dated statement of practices' commissioners in a dataset: (practice, code, date, source, extract).
CREATE OR REPLACE FUNCTION commissioner_statements(p_dataset text)
RETURNS TABLE (practice_id integer, commissioner_code text, stated_on date, source text, extract_id integer)
LANGUAGE sql STABLE AS $$
    SELECT r.practice_id, r.commissioner_code, e.extract_date, 'register', e.id
      FROM practice_register r JOIN extracts e ON e.id = r.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL AND r.commissioner_code IS NOT NULL
    UNION ALL
    SELECT s.practice_id, s.commissioner_code, e.extract_date, 'membership_file', e.id
      FROM practice_commissioner_statements s JOIN extracts e ON e.id = s.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL
    UNION ALL
    SELECT l.practice_id, l.ccg_code, e.extract_date, 'list_sizes', e.id
      FROM practice_list_sizes l JOIN extracts e ON e.id = l.extract_id
     WHERE e.dataset = p_dataset AND e.extract_date IS NOT NULL AND l.ccg_code IS NOT NULL
$$;
