-- Trigger practice_commissioner_statements_zz_scope_ins on practice_commissioner_statements: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_zz_scope_ins AFTER INSERT ON practice_commissioner_statements
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
