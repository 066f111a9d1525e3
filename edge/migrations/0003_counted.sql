-- Aggregates by increment. events.counted is 0 for an event not yet added
-- to agg_pair, agg_rule and agg_order: the consumer inserts events with 0,
-- then, in the same D1 batch (one transaction), adds the uncounted rows'
-- sums to the aggregates and sets counted = 1. Each batch thus reads only
-- the rows it inserted, where recomputing a key from every event of its day
-- read the whole day again on each batch. Rows stored before this
-- migration were aggregated by that recompute: they get 1.
ALTER TABLE events ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
CREATE INDEX events_uncounted ON events (counted) WHERE counted = 0;
