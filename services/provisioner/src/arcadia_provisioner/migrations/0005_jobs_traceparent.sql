-- The W3C traceparent of the span that scheduled a job (a handler's): the job's run continues
-- that trace, so the provider calls and the events they cause belong to the saga's trace.
ALTER TABLE jobs ADD COLUMN traceparent text;
