-- Issue 26, OpenID Connect sign-in. A local account is linked to an identity provider's subject: the pair (issuer,
-- sub) is the only thing that names a person across sign-ins (an e-mail address or a username can change hands).
-- One user may have several identities (a second provider, or a re-issued one); an identity names one user.
CREATE TABLE user_identities (
    id serial,
    user_id integer NOT NULL,
    issuer text NOT NULL,
    subject text NOT NULL,
    email text,
    linked_at timestamp with time zone DEFAULT now() NOT NULL,
    last_sign_in_at timestamp with time zone,
    CONSTRAINT user_identities_pkey PRIMARY KEY (id),
    CONSTRAINT user_identities_issuer_subject_key UNIQUE (issuer, subject),
    CONSTRAINT user_identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE INDEX user_identities_user_idx ON user_identities USING btree (user_id);

-- Sign-ins under way: the browser was sent to the provider and has not come back yet. Kept server-side (not only in
-- the cookie) so a state is good once: the callback consumes the row, and a replay of the same callback URL (same
-- cookie or not) finds it used. Only hashes of the state are stored; the nonce and the PKCE verifier are secrets
-- the provider never sees in the clear (the verifier) or sees anyway (the nonce), kept until used or expired.
CREATE TABLE oidc_pending_sign_ins (
    id bigserial,
    state_hash text NOT NULL,
    nonce text NOT NULL,
    code_verifier text NOT NULL,
    next_url text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT oidc_pending_sign_ins_pkey PRIMARY KEY (id),
    CONSTRAINT oidc_pending_sign_ins_state_hash_key UNIQUE (state_hash)
);

CREATE INDEX oidc_pending_sign_ins_created_idx ON oidc_pending_sign_ins USING btree (created_at);
