-- The retention purge finds finished jobs by when they finished, without a scan.
CREATE INDEX jobs_finished ON jobs (done_at) WHERE done_at IS NOT NULL;
