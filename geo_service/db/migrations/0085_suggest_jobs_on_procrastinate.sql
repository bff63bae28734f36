-- Suggestion jobs run on procrastinate (issue 22: a well-kept job queue, no hand-made one). The queue's own
-- tables (procrastinate_jobs, procrastinate_workers, ...) are made and upgraded by `geo-service migrate` from the
-- pinned library's schema and migration files (geo_service/db/queue_schema.py), recorded in
-- queue_schema_migrations. suggest_jobs keeps what a planner follows (who asked, what, progress, the plan or the
-- error) and points at the queue's job; claiming and heartbeats are the library's.
CREATE TABLE queue_schema_migrations (
    name        text PRIMARY KEY,  -- a file of the library's sql/migrations, or 'schema.sql <version>'
    applied_at  timestamptz NOT NULL DEFAULT now()
);

DROP INDEX IF EXISTS suggest_jobs_waiting_idx;
ALTER TABLE suggest_jobs DROP COLUMN heartbeat_at;
ALTER TABLE suggest_jobs ADD COLUMN queue_job_id bigint;  -- procrastinate_jobs.id (no foreign key: the queue may prune)
-- Jobs claimed by the old table queue and never finished: the queue never heard of them.
UPDATE suggest_jobs
   SET state = 'failed', error = 'Stopped when the job queue changed; ask again.', finished_at = now()
 WHERE state IN ('queued', 'running');
