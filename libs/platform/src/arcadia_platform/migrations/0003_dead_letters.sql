-- Which records a consumer has dead-lettered, by their position. A batch redelivered after a
-- crash or a database outage then costs a bad record no second DLQ entry. Keyed by position, not
-- event id: a record redriven from the DLQ lands at a new offset and is handled afresh.

CREATE TABLE dead_letters (
    consumer         text NOT NULL,
    topic            text NOT NULL,
    kafka_partition  integer NOT NULL,
    kafka_offset     bigint NOT NULL,
    reason           text NOT NULL,
    detail           text NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer, topic, kafka_partition, kafka_offset)
);
