-- Function practice_register_fill_code.
-- Writers may leave ods_code out: it is taken from the identity.
CREATE OR REPLACE FUNCTION practice_register_fill_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ods_code IS NULL THEN
        SELECT ods_code INTO NEW.ods_code FROM practices WHERE id = NEW.practice_id;
    END IF;
    RETURN NEW;
END $$;
