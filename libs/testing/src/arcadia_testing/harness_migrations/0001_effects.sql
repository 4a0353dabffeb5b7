-- What the harness consumer did: one row per handled event. No unique key on purpose, so that an
-- effect applied twice shows up as two rows.
CREATE TABLE effects (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL,
    key         text NOT NULL,
    seq         integer NOT NULL,
    sent_at     double precision NOT NULL,
    handled_at  double precision NOT NULL
);
