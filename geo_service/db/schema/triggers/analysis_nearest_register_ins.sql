-- Trigger analysis_nearest_register_ins on practice_register: runs analysis_nearest_on_register_insert().
CREATE OR REPLACE TRIGGER analysis_nearest_register_ins AFTER INSERT ON practice_register
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_nearest_on_register_insert();
