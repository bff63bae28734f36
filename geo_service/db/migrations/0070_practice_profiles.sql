-- Issue 25: what practices are like and what they were paid, each a fact of its extract (file).
--   practice_payments     NHS Payments to General Practice: one row per practice paid in a financial year
--   practice_deprivation  IMD score of the practice's registered population (Fingertips 93553), per IMD year
--   practice_age_bands    registered patients by age band (under 65 / 65 and over)
-- Re-importing a file adds nothing (primary keys include the extract); no extract overwrites another's facts.

CREATE TABLE practice_payments (
    extract_id          integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id         integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    financial_year      text NOT NULL CHECK (financial_year ~ '^[0-9]{4}/[0-9]{2}$'),
    pcn_code            text,
    pcn_name            text,
    ccg_code            text,
    contract_type       text,
    dispensing          boolean,
    rurality            text,
    registered_patients numeric CHECK (registered_patients >= 0),
    weighted_patients   numeric CHECK (weighted_patients >= 0),
    extended_hours_paid numeric(14, 2) NOT NULL DEFAULT 0,
    network_payments    numeric(14, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (extract_id, practice_id)
);
CREATE INDEX practice_payments_practice_idx ON practice_payments (practice_id);
CREATE INDEX practice_payments_pcn_idx ON practice_payments (extract_id, pcn_code);

CREATE TABLE practice_deprivation (
    extract_id  integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    imd_year    smallint NOT NULL CHECK (imd_year BETWEEN 2000 AND 2100),
    score       numeric(8, 4) NOT NULL CHECK (score >= 0),
    PRIMARY KEY (extract_id, practice_id, imd_year)
);
CREATE INDEX practice_deprivation_practice_idx ON practice_deprivation (practice_id);

CREATE TABLE practice_age_bands (
    extract_id   integer NOT NULL REFERENCES extracts (id) ON DELETE CASCADE,
    practice_id  integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    total        integer NOT NULL CHECK (total >= 0),
    under_65     integer NOT NULL CHECK (under_65 >= 0),
    aged_65_plus integer NOT NULL CHECK (aged_65_plus >= 0),
    CHECK (under_65 + aged_65_plus = total),
    PRIMARY KEY (extract_id, practice_id)
);
CREATE INDEX practice_age_bands_practice_idx ON practice_age_bands (practice_id);

-- New facts change what pages show: they move the data version and the shared version (every scenario reads them).
DO $$
DECLARE t text; op text;
BEGIN
    FOREACH t IN ARRAY ARRAY['practice_payments', 'practice_deprivation', 'practice_age_bands'] LOOP
        FOREACH op IN ARRAY ARRAY['ins:INSERT:NEW', 'upd:UPDATE:NEW', 'del:DELETE:OLD'] LOOP
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s TABLE AS changed '
                           'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()',
                           t || '_version_' || split_part(op, ':', 1), split_part(op, ':', 2), t,
                           split_part(op, ':', 3));
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s TABLE AS changed '
                           'FOR EACH STATEMENT EXECUTE FUNCTION note_shared_change()',
                           t || '_zz_scope_' || split_part(op, ':', 1), split_part(op, ':', 2), t,
                           split_part(op, ':', 3));
        END LOOP;
    END LOOP;
END $$;
