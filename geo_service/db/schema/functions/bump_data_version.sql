-- Function bump_data_version.
-- Data version: one bump per writing transaction that changed at least one row.
CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE data_version
           SET version = version + 1, updated_at = now(), last_txid = txid_current()
         WHERE last_txid IS DISTINCT FROM txid_current();
    END IF;
    RETURN NULL;
END $$;
