-- Trigger practice_commissioner_statements_zz_scope_del on practice_commissioner_statements: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_zz_scope_del AFTER DELETE ON practice_commissioner_statements
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
