-- Retention purges (retention.py) find what they delete through these, without a scan.
-- Sent outbox rows by when they were sent.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
-- Inbox rows by position: those below a partition's log-start offset.
CREATE INDEX inbox_position ON inbox (topic, kafka_partition, kafka_offset);
