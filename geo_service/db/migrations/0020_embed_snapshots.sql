-- Rendered embeds kept per data version, so a pinned embed (?version=N) keeps showing what it showed
-- when it was published, after newer imports. Also serves as the render cache for the current version.
CREATE TABLE embed_snapshots (
    id            bigserial PRIMARY KEY,
    view_key      text        NOT NULL,          -- canonical path + view parameters (without version)
    data_version  bigint      NOT NULL,
    title         text        NOT NULL,
    body_gzip     bytea       NOT NULL,          -- the HTML, gzip-compressed once
    etag          text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (view_key, data_version)
);
