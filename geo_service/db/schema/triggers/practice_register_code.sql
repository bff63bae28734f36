-- Trigger practice_register_code on practice_register: runs practice_register_fill_code().
CREATE OR REPLACE TRIGGER practice_register_code BEFORE INSERT ON practice_register
    FOR EACH ROW WHEN ((new.ods_code IS NULL))
    EXECUTE FUNCTION practice_register_fill_code();
