-- xsell edge schema. D1 (SQLite). Every write the worker makes is idempotent:
-- events are keyed by their id (INSERT OR IGNORE), aggregates are recomputed
-- from the events they summarise (INSERT OR REPLACE), so a retried queue batch
-- can never count twice.

-- Published blobs, newest seq last. The bytes live in R2 under blobs/<hash>.
CREATE TABLE blobs (
  hash         TEXT PRIMARY KEY,
  seq          INTEGER NOT NULL UNIQUE,
  version      TEXT NOT NULL,
  size         INTEGER NOT NULL,
  raw_size     INTEGER NOT NULL,
  created      TEXT NOT NULL,
  published_at TEXT NOT NULL,
  manifest     TEXT NOT NULL
);

-- The one pointer readers follow. Publishing and rollback each change it in a
-- single statement, which is what makes them atomic.
CREATE TABLE current (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  hash       TEXT NOT NULL,
  changed_at TEXT NOT NULL
);

-- What changed and when: the strategy log the dashboard shows.
CREATE TABLE publish_log (
  at     TEXT NOT NULL,
  action TEXT NOT NULL,  -- publish | rollback
  hash   TEXT NOT NULL,
  prev   TEXT NOT NULL DEFAULT ''
);

-- Raw events, exactly once by id.
CREATE TABLE events (
  id        TEXT PRIMARY KEY,
  type      TEXT NOT NULL,
  ts        INTEGER NOT NULL,   -- Unix milliseconds, from the browser, bounded
  day       TEXT NOT NULL,      -- UTC date of ts, YYYY-MM-DD
  received  INTEGER NOT NULL,   -- Unix milliseconds at the edge
  placement TEXT NOT NULL DEFAULT '',
  anchor    TEXT NOT NULL DEFAULT '',
  item      TEXT NOT NULL DEFAULT '',
  rule      TEXT NOT NULL DEFAULT '',
  rank      INTEGER NOT NULL DEFAULT 0,
  variant   TEXT NOT NULL DEFAULT '',
  blob      TEXT NOT NULL DEFAULT '',
  price     REAL NOT NULL DEFAULT 0,
  qty       INTEGER NOT NULL DEFAULT 1,
  currency  TEXT NOT NULL DEFAULT '',
  order_id  TEXT NOT NULL DEFAULT '',
  visitor   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_pair ON events (day, anchor, item);
CREATE INDEX events_rule ON events (day, rule, placement, variant);
CREATE INDEX events_order ON events (order_id) WHERE order_id != '';

-- Acceptance per anchor -> item pair and day (anchor '' is "any anchor").
CREATE TABLE agg_pair (
  day       TEXT NOT NULL,
  anchor    TEXT NOT NULL,
  item      TEXT NOT NULL,
  shown     INTEGER NOT NULL,
  clicked   INTEGER NOT NULL,
  added     INTEGER NOT NULL,
  bought    INTEGER NOT NULL,
  dismissed INTEGER NOT NULL,
  PRIMARY KEY (day, anchor, item)
) WITHOUT ROWID;

-- Funnel and attributed revenue per rule, placement, variant and day.
CREATE TABLE agg_rule (
  day         TEXT NOT NULL,
  rule        TEXT NOT NULL,
  placement   TEXT NOT NULL,
  variant     TEXT NOT NULL,
  impressions INTEGER NOT NULL,
  clicks      INTEGER NOT NULL,
  adds        INTEGER NOT NULL,
  purchases   INTEGER NOT NULL,
  dismissals  INTEGER NOT NULL,
  revenue     REAL NOT NULL,
  PRIMARY KEY (day, rule, placement, variant)
) WITHOUT ROWID;

-- One row per order: value, items and whether any line came from a suggestion.
CREATE TABLE agg_order (
  order_id TEXT PRIMARY KEY,
  variant  TEXT NOT NULL,
  day      TEXT NOT NULL,
  value    REAL NOT NULL,
  items    INTEGER NOT NULL,
  accepted INTEGER NOT NULL
) WITHOUT ROWID;

-- Queue batches already archived to R2 (by message id), for the operator.
CREATE TABLE archives (
  key      TEXT PRIMARY KEY,
  events   INTEGER NOT NULL,
  at       TEXT NOT NULL
) WITHOUT ROWID;
