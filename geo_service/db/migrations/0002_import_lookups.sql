-- Imports: the ODS <-> GSS code lookup for commissioners (CCG / sub-ICB / ICB), filled from lookup
-- files and from the list-size file's CCG_CODE / ONS_CCG_CODE columns, used to give areas both codes.
CREATE TABLE code_lookups (
    id         serial PRIMARY KEY,
    ods_code   text NOT NULL,                      -- 99J
    gss_code   text NOT NULL,                      -- E38000...
    name       text,
    source_id  integer REFERENCES sources (id),
    UNIQUE (ods_code, gss_code)
);
CREATE INDEX code_lookups_gss_idx ON code_lookups (gss_code);
