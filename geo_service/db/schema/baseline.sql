-- Baseline schema: tables, sequences, constraints, indexes and seed rows, as migrations 0001…0070 left them
-- (squashed in issue 24 while nothing was deployed). Functions and triggers are NOT here: each lives in its own
-- file under functions/ and triggers/ and is (re)applied by the migrator whenever its file changes.
--
-- Applied once, to an empty database, as version 0075 (geo_service/db/migrate.py). Never edit it: a schema change
-- is a new numbered migration in geo_service/db/migrations/ (see docs in geo_service/db/README.md).
--
-- Made by `pg_dump --schema-only --no-owner --no-privileges` of a database migrated by 0001…0070, with the
-- function and trigger entries taken out, `public.` dropped and each table's sequence, defaults, constraints,
-- indexes and comments gathered under it (foreign keys at the end, once every table exists); serial columns and
-- constraints written inside CREATE TABLE (the same catalog: tests/db/test_schema_baseline.py compares).

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;

-- ---- api_tokens ----------------------------------------------------------------------------------------------------

CREATE TABLE api_tokens (
    id serial,
    user_id integer NOT NULL,
    label text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT api_tokens_token_hash_check CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);

-- ---- area_gaps -----------------------------------------------------------------------------------------------------

CREATE TABLE area_gaps (
    scenario_id integer NOT NULL,
    area_id integer NOT NULL,
    part integer NOT NULL,
    gap_m2 double precision NOT NULL,
    geom geometry(Polygon,4326) NOT NULL,
    CONSTRAINT area_gaps_pkey PRIMARY KEY (scenario_id, area_id, part)
);

CREATE INDEX area_gaps_area_idx ON area_gaps USING btree (area_id);

-- ---- area_geometry -------------------------------------------------------------------------------------------------

CREATE TABLE area_geometry (
    area_id integer NOT NULL,
    area_m2 double precision NOT NULL,
    CONSTRAINT area_geometry_pkey PRIMARY KEY (area_id)
);

-- ---- area_pieces ---------------------------------------------------------------------------------------------------

CREATE TABLE area_pieces (
    id bigserial,
    area_id integer NOT NULL,
    boundary_set_id integer NOT NULL,
    geom geometry(Polygon,4326) NOT NULL,
    CONSTRAINT area_pieces_pkey PRIMARY KEY (id)
);

CREATE INDEX area_pieces_area_idx ON area_pieces USING btree (area_id);
CREATE INDEX area_pieces_geom_gist ON area_pieces USING gist (geom);

-- ---- areas ---------------------------------------------------------------------------------------------------------

CREATE TABLE areas (
    id serial,
    boundary_set_id integer NOT NULL,
    ods_code text,
    gss_code text,
    name text NOT NULL,
    geom geometry(MultiPolygon,4326) NOT NULL,
    made_valid boolean DEFAULT false NOT NULL,
    CONSTRAINT areas_check CHECK (((ods_code IS NOT NULL) OR (gss_code IS NOT NULL))),
    CONSTRAINT areas_boundary_set_id_gss_code_key UNIQUE (boundary_set_id, gss_code),
    CONSTRAINT areas_boundary_set_id_ods_code_key UNIQUE (boundary_set_id, ods_code),
    CONSTRAINT areas_pkey PRIMARY KEY (id)
);

CREATE INDEX areas_geom_gist ON areas USING gist (geom);
CREATE INDEX areas_gss_code_idx ON areas USING btree (gss_code);
CREATE INDEX areas_ods_code_idx ON areas USING btree (ods_code);

-- ---- audit_log -----------------------------------------------------------------------------------------------------

CREATE TABLE audit_log (
    id bigserial,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id integer,
    actor_name text NOT NULL,
    request_id text,
    action text NOT NULL,
    resource_kind text NOT NULL,
    resource_id text,
    scenario_id integer,
    network_id integer,
    practice_id integer,
    before jsonb,
    after jsonb,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);

CREATE INDEX audit_log_network_idx ON audit_log USING btree (network_id, id DESC);
CREATE INDEX audit_log_practice_idx ON audit_log USING btree (practice_id, id DESC);
CREATE INDEX audit_log_scenario_idx ON audit_log USING btree (scenario_id, id DESC);

-- ---- boundary_sets -------------------------------------------------------------------------------------------------

CREATE TABLE boundary_sets (
    id serial,
    slug text NOT NULL,
    name text NOT NULL,
    level text NOT NULL,
    vintage text NOT NULL,
    source_id integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    dataset text DEFAULT 'real'::text NOT NULL,
    valid_from date NOT NULL,
    CONSTRAINT boundary_sets_dataset_check CHECK ((dataset = ANY (ARRAY['real'::text, 'synthetic'::text]))),
    CONSTRAINT boundary_sets_slug_check CHECK ((slug ~ '^[a-z0-9][a-z0-9-]*$'::text)),
    CONSTRAINT boundary_sets_name_key UNIQUE (name),
    CONSTRAINT boundary_sets_pkey PRIMARY KEY (id),
    CONSTRAINT boundary_sets_slug_key UNIQUE (slug)
);

-- ---- change_requests -----------------------------------------------------------------------------------------------

CREATE TABLE change_requests (
    id serial,
    scenario_id integer NOT NULL,
    practice_id integer NOT NULL,
    kind text NOT NULL,
    from_network_id integer,
    to_network_id integer,
    effective_date date NOT NULL,
    reason text NOT NULL,
    commissioner_codes text[] DEFAULT '{}'::text[] NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    proposed_by integer,
    proposed_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_by integer,
    decided_at timestamp with time zone,
    decision_comment text,
    CONSTRAINT change_requests_check CHECK ((((kind = 'join'::text) AND (from_network_id IS NULL) AND (to_network_id IS NOT NULL)) OR ((kind = 'leave'::text) AND (from_network_id IS NOT NULL) AND (to_network_id IS NULL)) OR ((kind = 'move'::text) AND (from_network_id IS NOT NULL) AND (to_network_id IS NOT NULL) AND (from_network_id <> to_network_id)))),
    CONSTRAINT change_requests_check1 CHECK (((status = 'pending'::text) = (decided_at IS NULL))),
    CONSTRAINT change_requests_kind_check CHECK ((kind = ANY (ARRAY['join'::text, 'leave'::text, 'move'::text]))),
    CONSTRAINT change_requests_reason_check CHECK ((length(btrim(reason)) > 0)),
    CONSTRAINT change_requests_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text]))),
    CONSTRAINT change_requests_pkey PRIMARY KEY (id)
);

CREATE INDEX change_requests_scenario_idx ON change_requests USING btree (scenario_id, status, id DESC);

-- ---- code_lookups --------------------------------------------------------------------------------------------------

CREATE TABLE code_lookups (
    id serial,
    ods_code text NOT NULL,
    gss_code text NOT NULL,
    name text,
    source_id integer,
    CONSTRAINT code_lookups_ods_code_gss_code_key UNIQUE (ods_code, gss_code),
    CONSTRAINT code_lookups_pkey PRIMARY KEY (id)
);

CREATE INDEX code_lookups_gss_idx ON code_lookups USING btree (gss_code);
CREATE INDEX code_lookups_ods_idx ON code_lookups USING btree (ods_code);

-- ---- data_version --------------------------------------------------------------------------------------------------

CREATE TABLE data_version (
    id boolean DEFAULT true NOT NULL,
    version bigint DEFAULT 1 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    last_txid bigint,
    shared_version bigint NOT NULL,
    CONSTRAINT data_version_id_check CHECK (id),
    CONSTRAINT data_version_pkey PRIMARY KEY (id)
);

-- ---- embed_snapshots -----------------------------------------------------------------------------------------------

CREATE TABLE embed_snapshots (
    id bigserial,
    view_key text NOT NULL,
    data_version bigint NOT NULL,
    title text NOT NULL,
    body_gzip bytea NOT NULL,
    etag text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT embed_snapshots_pkey PRIMARY KEY (id),
    CONSTRAINT embed_snapshots_view_key_data_version_key UNIQUE (view_key, data_version)
);

-- ---- extracts ------------------------------------------------------------------------------------------------------

CREATE TABLE extracts (
    id integer NOT NULL,
    kind text NOT NULL,
    file_name text NOT NULL,
    sha256 text,
    extract_date date,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    dataset text DEFAULT 'real'::text NOT NULL,
    CONSTRAINT extracts_dataset_check CHECK ((dataset = ANY (ARRAY['real'::text, 'synthetic'::text]))),
    CONSTRAINT sources_kind_file_name_sha256_key UNIQUE (kind, file_name, sha256),
    CONSTRAINT sources_pkey PRIMARY KEY (id)
);

CREATE SEQUENCE sources_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE sources_id_seq OWNED BY extracts.id;
ALTER TABLE extracts ALTER COLUMN id SET DEFAULT nextval('sources_id_seq'::regclass);

CREATE INDEX extracts_kind_dataset_idx ON extracts USING btree (kind, dataset, extract_date);

-- ---- memberships ---------------------------------------------------------------------------------------------------

CREATE TABLE memberships (
    id serial,
    scenario_id integer NOT NULL,
    network_id integer NOT NULL,
    practice_id integer NOT NULL,
    start_date date,
    end_date date,
    source_id integer,
    member_name text,
    member_commissioner_code text,
    CONSTRAINT memberships_check CHECK (((end_date IS NULL) OR (start_date IS NULL) OR (end_date >= start_date))),
    CONSTRAINT memberships_pkey PRIMARY KEY (id)
);

CREATE INDEX memberships_scenario_practice_idx ON memberships USING btree (scenario_id, practice_id);
CREATE UNIQUE INDEX memberships_unique ON memberships USING btree (network_id, practice_id, COALESCE(start_date, '-infinity'::date));

-- ---- network_area_shares -------------------------------------------------------------------------------------------

CREATE TABLE network_area_shares (
    network_id integer NOT NULL,
    area_id integer NOT NULL,
    boundary_set_id integer NOT NULL,
    area_m2 double precision NOT NULL,
    share double precision NOT NULL,
    CONSTRAINT network_area_shares_pkey PRIMARY KEY (network_id, area_id)
);

CREATE INDEX network_area_shares_area_idx ON network_area_shares USING btree (area_id);
CREATE INDEX network_area_shares_bs_idx ON network_area_shares USING btree (boundary_set_id, network_id);

-- ---- network_geometry ----------------------------------------------------------------------------------------------

CREATE TABLE network_geometry (
    network_id integer NOT NULL,
    scenario_id integer NOT NULL,
    area_m2 double precision NOT NULL,
    CONSTRAINT network_geometry_pkey PRIMARY KEY (network_id)
);

-- ---- network_overlaps ----------------------------------------------------------------------------------------------

CREATE TABLE network_overlaps (
    scenario_id integer NOT NULL,
    network_a integer NOT NULL,
    network_b integer NOT NULL,
    overlap_m2 double precision NOT NULL,
    CONSTRAINT network_overlaps_check CHECK ((network_a < network_b)),
    CONSTRAINT network_overlaps_pkey PRIMARY KEY (network_a, network_b)
);

CREATE INDEX network_overlaps_b_idx ON network_overlaps USING btree (network_b);
CREATE INDEX network_overlaps_scenario_idx ON network_overlaps USING btree (scenario_id);

-- ---- network_point_distance ----------------------------------------------------------------------------------------

CREATE TABLE network_point_distance (
    network_id integer NOT NULL,
    point_id integer NOT NULL,
    distance_m double precision NOT NULL,
    CONSTRAINT network_point_distance_pkey PRIMARY KEY (network_id, point_id)
);

CREATE INDEX network_point_distance_point_idx ON network_point_distance USING btree (point_id);

-- ---- networks ------------------------------------------------------------------------------------------------------

CREATE TABLE networks (
    id serial,
    scenario_id integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    lead_commissioner_code text,
    geom geometry(MultiPolygon,4326),
    geom_made_valid boolean DEFAULT false NOT NULL,
    source_id integer,
    geom_origin text,
    locked_at timestamp with time zone,
    locked_by integer,
    lock_reason text,
    CONSTRAINT networks_geom_origin_check CHECK ((geom_origin = ANY (ARRAY['imported'::text, 'derived'::text, 'drawn'::text, 'uploaded'::text]))),
    CONSTRAINT networks_id_scenario_id_key UNIQUE (id, scenario_id),
    CONSTRAINT networks_pkey PRIMARY KEY (id),
    CONSTRAINT networks_scenario_id_code_key UNIQUE (scenario_id, code)
);

CREATE INDEX networks_geom_gist ON networks USING gist (geom);

-- ---- plan_edits ----------------------------------------------------------------------------------------------------

CREATE TABLE plan_edits (
    id bigserial,
    scenario_id integer NOT NULL,
    session_id text NOT NULL,
    actor_id integer,
    kind text NOT NULL,
    summary text NOT NULL,
    forward jsonb NOT NULL,
    inverse jsonb NOT NULL,
    state text DEFAULT 'done'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT plan_edits_session_id_check CHECK ((session_id ~ '^[A-Za-z0-9_-]{1,64}$'::text)),
    CONSTRAINT plan_edits_state_check CHECK ((state = ANY (ARRAY['done'::text, 'undone'::text, 'discarded'::text]))),
    CONSTRAINT plan_edits_pkey PRIMARY KEY (id)
);

CREATE INDEX plan_edits_session_idx ON plan_edits USING btree (scenario_id, session_id, id);

-- ---- plan_suggestions ----------------------------------------------------------------------------------------------

CREATE TABLE plan_suggestions (
    id bigserial,
    plan_id integer NOT NULL,
    source_id integer NOT NULL,
    owner_id integer,
    boundary_set_id integer,
    area_code text,
    parameters jsonb NOT NULL,
    scorecard jsonb NOT NULL,
    moves jsonb NOT NULL,
    notes jsonb NOT NULL,
    seconds double precision NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT plan_suggestions_pkey PRIMARY KEY (id)
);

CREATE INDEX plan_suggestions_plan_idx ON plan_suggestions USING btree (plan_id, id DESC);

-- ---- point_areas ---------------------------------------------------------------------------------------------------

CREATE TABLE point_areas (
    point_id integer NOT NULL,
    boundary_set_id integer NOT NULL,
    area_id integer NOT NULL,
    nearest_m double precision,
    CONSTRAINT point_areas_nearest_m_check CHECK (((nearest_m IS NULL) OR (nearest_m >= (0)::double precision))),
    CONSTRAINT point_areas_pkey PRIMARY KEY (point_id, boundary_set_id)
);

CREATE INDEX point_areas_area_idx ON point_areas USING btree (area_id);
CREATE INDEX point_areas_bs_idx ON point_areas USING btree (boundary_set_id);

COMMENT ON COLUMN point_areas.nearest_m IS 'NULL: the point lies in the area. Else the point lies outside every area of the set and was assigned to the nearest one, this many metres away (EPSG:27700), at most 10 km (migration 0046).';

-- ---- postcode_points -----------------------------------------------------------------------------------------------

CREATE TABLE postcode_points (
    id serial,
    extract_id integer NOT NULL,
    postcode_key text NOT NULL,
    geom geometry(Point,4326) NOT NULL,
    CONSTRAINT postcode_points_extract_id_postcode_key_key UNIQUE (extract_id, postcode_key),
    CONSTRAINT postcode_points_pkey PRIMARY KEY (id)
);

CREATE INDEX postcode_points_geom_gist ON postcode_points USING gist (geom);
CREATE INDEX postcode_points_key_idx ON postcode_points USING btree (postcode_key);

-- ---- practice_age_bands --------------------------------------------------------------------------------------------

CREATE TABLE practice_age_bands (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    total integer NOT NULL,
    under_65 integer NOT NULL,
    aged_65_plus integer NOT NULL,
    CONSTRAINT practice_age_bands_aged_65_plus_check CHECK ((aged_65_plus >= 0)),
    CONSTRAINT practice_age_bands_check CHECK (((under_65 + aged_65_plus) = total)),
    CONSTRAINT practice_age_bands_total_check CHECK ((total >= 0)),
    CONSTRAINT practice_age_bands_under_65_check CHECK ((under_65 >= 0)),
    CONSTRAINT practice_age_bands_pkey PRIMARY KEY (extract_id, practice_id)
);

CREATE INDEX practice_age_bands_practice_idx ON practice_age_bands USING btree (practice_id);

-- ---- practice_commissioner_statements ------------------------------------------------------------------------------

CREATE TABLE practice_commissioner_statements (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    commissioner_code text NOT NULL,
    CONSTRAINT practice_commissioner_statements_pkey PRIMARY KEY (extract_id, practice_id)
);

CREATE INDEX practice_commissioner_statements_practice_idx ON practice_commissioner_statements USING btree (practice_id);

-- ---- practice_deprivation ------------------------------------------------------------------------------------------

CREATE TABLE practice_deprivation (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    imd_year smallint NOT NULL,
    score numeric(8,4) NOT NULL,
    CONSTRAINT practice_deprivation_imd_year_check CHECK (((imd_year >= 2000) AND (imd_year <= 2100))),
    CONSTRAINT practice_deprivation_score_check CHECK ((score >= (0)::numeric)),
    CONSTRAINT practice_deprivation_pkey PRIMARY KEY (extract_id, practice_id, imd_year)
);

CREATE INDEX practice_deprivation_practice_idx ON practice_deprivation USING btree (practice_id);

-- ---- practice_list_sizes -------------------------------------------------------------------------------------------

CREATE TABLE practice_list_sizes (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    list_size integer NOT NULL,
    list_size_date date NOT NULL,
    ccg_code text,
    ons_ccg_code text,
    CONSTRAINT practice_list_sizes_list_size_check CHECK ((list_size >= 0)),
    CONSTRAINT practice_list_sizes_pkey PRIMARY KEY (extract_id, practice_id)
);

CREATE INDEX practice_list_sizes_practice_idx ON practice_list_sizes USING btree (practice_id);

-- ---- practice_payments ---------------------------------------------------------------------------------------------

CREATE TABLE practice_payments (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    financial_year text NOT NULL,
    pcn_code text,
    pcn_name text,
    ccg_code text,
    contract_type text,
    dispensing boolean,
    rurality text,
    registered_patients numeric,
    weighted_patients numeric,
    extended_hours_paid numeric(14,2) DEFAULT 0 NOT NULL,
    network_payments numeric(14,2) DEFAULT 0 NOT NULL,
    CONSTRAINT practice_payments_financial_year_check CHECK ((financial_year ~ '^[0-9]{4}/[0-9]{2}$'::text)),
    CONSTRAINT practice_payments_registered_patients_check CHECK ((registered_patients >= (0)::numeric)),
    CONSTRAINT practice_payments_weighted_patients_check CHECK ((weighted_patients >= (0)::numeric)),
    CONSTRAINT practice_payments_pkey PRIMARY KEY (extract_id, practice_id)
);

CREATE INDEX practice_payments_pcn_idx ON practice_payments USING btree (extract_id, pcn_code);
CREATE INDEX practice_payments_practice_idx ON practice_payments USING btree (practice_id);

-- ---- practice_register ---------------------------------------------------------------------------------------------

CREATE TABLE practice_register (
    extract_id integer NOT NULL,
    practice_id integer NOT NULL,
    name text NOT NULL,
    postcode text,
    postcode_key text GENERATED ALWAYS AS (upper(replace(postcode, ' '::text, ''::text))) STORED,
    status text NOT NULL,
    prescribing_setting smallint,
    commissioner_code text,
    nation text DEFAULT 'england'::text NOT NULL,
    extended_hours boolean,
    ods_code text NOT NULL,
    CONSTRAINT practice_register_nation_check CHECK ((nation = ANY (ARRAY['england'::text, 'wales'::text, 'scotland'::text, 'northern_ireland'::text, 'other'::text]))),
    CONSTRAINT practice_register_status_check CHECK ((status = ANY (ARRAY['active'::text, 'closed'::text]))),
    CONSTRAINT practice_register_pkey PRIMARY KEY (extract_id, practice_id)
);

CREATE INDEX practice_register_commissioner_idx ON practice_register USING btree (extract_id, commissioner_code);
CREATE INDEX practice_register_postcode_idx ON practice_register USING btree (postcode_key);
CREATE INDEX practice_register_practice_idx ON practice_register USING btree (practice_id);

-- ---- practices -----------------------------------------------------------------------------------------------------

CREATE TABLE practices (
    id serial,
    ods_code text NOT NULL,
    CONSTRAINT practices_ods_code_key UNIQUE (ods_code),
    CONSTRAINT practices_pkey PRIMARY KEY (id)
);

-- ---- scenario_data_versions ----------------------------------------------------------------------------------------

CREATE TABLE scenario_data_versions (
    scenario_id integer NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT scenario_data_versions_pkey PRIMARY KEY (scenario_id)
);

-- ---- scenario_members ----------------------------------------------------------------------------------------------

CREATE TABLE scenario_members (
    scenario_id integer NOT NULL,
    membership_id integer NOT NULL,
    network_id integer NOT NULL,
    network_code text NOT NULL,
    network_name text NOT NULL,
    lead text,
    practice_id integer NOT NULL,
    ods_code text NOT NULL,
    practice_name text,
    commissioner_code text,
    list_size integer,
    extended_hours boolean,
    point_id integer,
    CONSTRAINT scenario_members_pkey PRIMARY KEY (scenario_id, membership_id)
)
PARTITION BY LIST (scenario_id);

-- ---- scenario_practice_state ---------------------------------------------------------------------------------------

CREATE TABLE scenario_practice_state (
    scenario_id integer NOT NULL,
    practice_id integer NOT NULL,
    ods_code text NOT NULL,
    name text,
    postcode text,
    status text,
    prescribing_setting smallint,
    commissioner_code text,
    nation text,
    extended_hours boolean,
    in_register boolean NOT NULL,
    active_gp boolean NOT NULL,
    in_nation boolean NOT NULL,
    list_size integer,
    list_size_date date,
    list_size_ccg_code text,
    point_id integer,
    CONSTRAINT scenario_practice_state_pkey PRIMARY KEY (scenario_id, practice_id)
)
PARTITION BY LIST (scenario_id);

-- ---- scenario_shares -----------------------------------------------------------------------------------------------

CREATE TABLE scenario_shares (
    scenario_id integer NOT NULL,
    user_id integer NOT NULL,
    shared_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT scenario_shares_pkey PRIMARY KEY (scenario_id, user_id)
);

-- ---- scenario_states -----------------------------------------------------------------------------------------------

CREATE TABLE scenario_states (
    scenario_id integer NOT NULL,
    as_of date NOT NULL,
    register_extract_id integer,
    list_size_extract_id integer,
    location_extract_id integer,
    nation text NOT NULL,
    CONSTRAINT scenario_states_pkey PRIMARY KEY (scenario_id)
);

-- ---- scenarios -----------------------------------------------------------------------------------------------------

CREATE TABLE scenarios (
    id serial,
    slug text NOT NULL,
    name text NOT NULL,
    description text,
    min_population integer,
    max_population integer,
    source_id integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    dataset text DEFAULT 'real'::text NOT NULL,
    as_of date NOT NULL,
    nation text DEFAULT 'england'::text NOT NULL,
    register_extract_id integer,
    list_size_extract_id integer,
    location_extract_id integer,
    boundary_set_id integer,
    owner_id integer,
    status text DEFAULT 'baseline'::text NOT NULL,
    visibility text DEFAULT 'public'::text NOT NULL,
    archived_at timestamp with time zone,
    copied_from integer,
    version bigint DEFAULT 1 NOT NULL,
    CONSTRAINT scenarios_check CHECK (((min_population IS NULL) OR (max_population IS NULL) OR (min_population <= max_population))),
    CONSTRAINT scenarios_dataset_check CHECK ((dataset = ANY (ARRAY['real'::text, 'synthetic'::text]))),
    CONSTRAINT scenarios_nation_check CHECK ((nation = ANY (ARRAY['england'::text, 'wales'::text, 'scotland'::text, 'northern_ireland'::text]))),
    CONSTRAINT scenarios_slug_check CHECK ((slug ~ '^[a-z0-9][a-z0-9-]*$'::text)),
    CONSTRAINT scenarios_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'submitted'::text, 'approved'::text, 'baseline'::text]))),
    CONSTRAINT scenarios_visibility_check CHECK ((visibility = ANY (ARRAY['public'::text, 'private'::text]))),
    CONSTRAINT scenarios_name_key UNIQUE (name),
    CONSTRAINT scenarios_pkey PRIMARY KEY (id),
    CONSTRAINT scenarios_slug_key UNIQUE (slug)
);

-- ---- suggest_jobs --------------------------------------------------------------------------------------------------

CREATE TABLE suggest_jobs (
    id bigserial,
    state text DEFAULT 'queued'::text NOT NULL,
    owner_id integer,
    request jsonb NOT NULL,
    progress integer DEFAULT 0 NOT NULL,
    total integer DEFAULT 0 NOT NULL,
    message text,
    plan_slug text,
    error text,
    attempts integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    heartbeat_at timestamp with time zone,
    finished_at timestamp with time zone,
    CONSTRAINT suggest_jobs_state_check CHECK ((state = ANY (ARRAY['queued'::text, 'running'::text, 'done'::text, 'failed'::text]))),
    CONSTRAINT suggest_jobs_pkey PRIMARY KEY (id)
);

CREATE INDEX suggest_jobs_waiting_idx ON suggest_jobs USING btree (id) WHERE (state = ANY (ARRAY['queued'::text, 'running'::text]));

-- ---- user_roles ----------------------------------------------------------------------------------------------------

CREATE TABLE user_roles (
    id serial,
    user_id integer NOT NULL,
    role text NOT NULL,
    commissioner_code text,
    CONSTRAINT user_roles_role_check CHECK ((role = ANY (ARRAY['editor'::text, 'approver'::text, 'admin'::text]))),
    CONSTRAINT user_roles_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX user_roles_unique ON user_roles USING btree (user_id, role, COALESCE(commissioner_code, '*'::text));

-- ---- user_sessions -------------------------------------------------------------------------------------------------

CREATE TABLE user_sessions (
    id bigserial,
    user_id integer NOT NULL,
    key_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT user_sessions_key_hash_key UNIQUE (key_hash),
    CONSTRAINT user_sessions_pkey PRIMARY KEY (id)
);

CREATE INDEX user_sessions_user_idx ON user_sessions USING btree (user_id) WHERE (revoked_at IS NULL);

-- ---- users ---------------------------------------------------------------------------------------------------------

CREATE TABLE users (
    id serial,
    username text NOT NULL,
    display_name text NOT NULL,
    password_hash text,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_username_check CHECK ((username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'::text)),
    CONSTRAINT users_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX users_username_lower ON users USING btree (lower(username));

-- ---- foreign keys, once every table exists ------------------------------------------------------------------------

ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;

ALTER TABLE area_gaps
    ADD CONSTRAINT area_gaps_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id) ON DELETE CASCADE;
ALTER TABLE area_gaps
    ADD CONSTRAINT area_gaps_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE area_geometry
    ADD CONSTRAINT area_geometry_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id) ON DELETE CASCADE;

ALTER TABLE area_pieces
    ADD CONSTRAINT area_pieces_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id) ON DELETE CASCADE;
ALTER TABLE area_pieces
    ADD CONSTRAINT area_pieces_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE CASCADE;

ALTER TABLE areas
    ADD CONSTRAINT areas_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE CASCADE;

ALTER TABLE boundary_sets
    ADD CONSTRAINT boundary_sets_source_id_fkey FOREIGN KEY (source_id) REFERENCES extracts(id);

ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users(id);
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_from_network_id_fkey FOREIGN KEY (from_network_id) REFERENCES networks(id) ON DELETE CASCADE;
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_proposed_by_fkey FOREIGN KEY (proposed_by) REFERENCES users(id);
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;
ALTER TABLE change_requests
    ADD CONSTRAINT change_requests_to_network_id_fkey FOREIGN KEY (to_network_id) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE code_lookups
    ADD CONSTRAINT code_lookups_source_id_fkey FOREIGN KEY (source_id) REFERENCES extracts(id);

ALTER TABLE memberships
    ADD CONSTRAINT memberships_network_id_scenario_id_fkey FOREIGN KEY (network_id, scenario_id) REFERENCES networks(id, scenario_id) ON DELETE CASCADE;
ALTER TABLE memberships
    ADD CONSTRAINT memberships_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;
ALTER TABLE memberships
    ADD CONSTRAINT memberships_source_id_fkey FOREIGN KEY (source_id) REFERENCES extracts(id);

ALTER TABLE network_area_shares
    ADD CONSTRAINT network_area_shares_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id) ON DELETE CASCADE;
ALTER TABLE network_area_shares
    ADD CONSTRAINT network_area_shares_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE CASCADE;
ALTER TABLE network_area_shares
    ADD CONSTRAINT network_area_shares_network_id_fkey FOREIGN KEY (network_id) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE network_geometry
    ADD CONSTRAINT network_geometry_network_id_fkey FOREIGN KEY (network_id) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE network_overlaps
    ADD CONSTRAINT network_overlaps_network_a_fkey FOREIGN KEY (network_a) REFERENCES networks(id) ON DELETE CASCADE;
ALTER TABLE network_overlaps
    ADD CONSTRAINT network_overlaps_network_b_fkey FOREIGN KEY (network_b) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE network_point_distance
    ADD CONSTRAINT network_point_distance_network_id_fkey FOREIGN KEY (network_id) REFERENCES networks(id) ON DELETE CASCADE;
ALTER TABLE network_point_distance
    ADD CONSTRAINT network_point_distance_point_id_fkey FOREIGN KEY (point_id) REFERENCES postcode_points(id) ON DELETE CASCADE;

ALTER TABLE networks
    ADD CONSTRAINT networks_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;
ALTER TABLE networks
    ADD CONSTRAINT networks_source_id_fkey FOREIGN KEY (source_id) REFERENCES extracts(id);

ALTER TABLE plan_edits
    ADD CONSTRAINT plan_edits_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE plan_suggestions
    ADD CONSTRAINT plan_suggestions_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE SET NULL;
ALTER TABLE plan_suggestions
    ADD CONSTRAINT plan_suggestions_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE plan_suggestions
    ADD CONSTRAINT plan_suggestions_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES scenarios(id) ON DELETE CASCADE;
ALTER TABLE plan_suggestions
    ADD CONSTRAINT plan_suggestions_source_id_fkey FOREIGN KEY (source_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE point_areas
    ADD CONSTRAINT point_areas_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id) ON DELETE CASCADE;
ALTER TABLE point_areas
    ADD CONSTRAINT point_areas_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE CASCADE;
ALTER TABLE point_areas
    ADD CONSTRAINT point_areas_point_id_fkey FOREIGN KEY (point_id) REFERENCES postcode_points(id) ON DELETE CASCADE;

ALTER TABLE postcode_points
    ADD CONSTRAINT postcode_points_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;

ALTER TABLE practice_age_bands
    ADD CONSTRAINT practice_age_bands_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_age_bands
    ADD CONSTRAINT practice_age_bands_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE practice_commissioner_statements
    ADD CONSTRAINT practice_commissioner_statements_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_commissioner_statements
    ADD CONSTRAINT practice_commissioner_statements_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE practice_deprivation
    ADD CONSTRAINT practice_deprivation_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_deprivation
    ADD CONSTRAINT practice_deprivation_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE practice_list_sizes
    ADD CONSTRAINT practice_list_sizes_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_list_sizes
    ADD CONSTRAINT practice_list_sizes_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE practice_payments
    ADD CONSTRAINT practice_payments_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_payments
    ADD CONSTRAINT practice_payments_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE practice_register
    ADD CONSTRAINT practice_register_extract_id_fkey FOREIGN KEY (extract_id) REFERENCES extracts(id) ON DELETE CASCADE;
ALTER TABLE practice_register
    ADD CONSTRAINT practice_register_practice_id_fkey FOREIGN KEY (practice_id) REFERENCES practices(id) ON DELETE CASCADE;

ALTER TABLE scenario_members
    ADD CONSTRAINT scenario_members_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE scenario_practice_state
    ADD CONSTRAINT scenario_practice_state_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE scenario_shares
    ADD CONSTRAINT scenario_shares_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;
ALTER TABLE scenario_shares
    ADD CONSTRAINT scenario_shares_user_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;

ALTER TABLE scenario_states
    ADD CONSTRAINT scenario_states_scenario_id_fkey FOREIGN KEY (scenario_id) REFERENCES scenarios(id) ON DELETE CASCADE;

ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_boundary_set_id_fkey FOREIGN KEY (boundary_set_id) REFERENCES boundary_sets(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_copied_from_fkey FOREIGN KEY (copied_from) REFERENCES scenarios(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_list_size_extract_id_fkey FOREIGN KEY (list_size_extract_id) REFERENCES extracts(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_location_extract_id_fkey FOREIGN KEY (location_extract_id) REFERENCES extracts(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_owner_fkey FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_register_extract_id_fkey FOREIGN KEY (register_extract_id) REFERENCES extracts(id) ON DELETE SET NULL;
ALTER TABLE scenarios
    ADD CONSTRAINT scenarios_source_id_fkey FOREIGN KEY (source_id) REFERENCES extracts(id);

ALTER TABLE suggest_jobs
    ADD CONSTRAINT suggest_jobs_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE SET NULL;

ALTER TABLE user_roles
    ADD CONSTRAINT user_roles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;

ALTER TABLE user_sessions
    ADD CONSTRAINT user_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;

-- ---- seed rows ----------------------------------------------------------------------------------------------------

INSERT INTO data_version (id, version, shared_version) VALUES (true, 1, 1);
