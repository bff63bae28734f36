-- Commissioner statements (0050) are facts every scenario of the dataset reads (a practice's commissioner is the
-- nearest dated statement among all loaded files), so a change to them moves the shared version (0055), like
-- the register and list sizes do: every scenario's caches and ETags follow.
DO $$
DECLARE op text;
BEGIN
    FOREACH op IN ARRAY ARRAY['ins:INSERT:NEW', 'upd:UPDATE:NEW', 'del:DELETE:OLD'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON practice_commissioner_statements REFERENCING %s TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION note_shared_change()',
                       'practice_commissioner_statements_zz_scope_' || split_part(op, ':', 1),
                       split_part(op, ':', 2), split_part(op, ':', 3));
    END LOOP;
END $$;
