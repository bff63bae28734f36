-- Function note_shared_change.
CREATE OR REPLACE FUNCTION note_shared_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE data_version SET shared_version = version WHERE shared_version IS DISTINCT FROM version;
    END IF;
    RETURN NULL;
END $$;
