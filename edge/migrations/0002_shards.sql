-- Pair shards of sharded blobs (matrixgen build --shard-pairs). Their bytes
-- live in R2 like a blob's (blobs/<hash>, .raw.zst, .raw.gz); a row is
-- written after all three, so a row means the bytes are there. A head is
-- published only when every shard it lists has a row. Shards no kept blob
-- lists are deleted with the last head that listed them (prune), or by the
-- daily job a day after their upload (a head that never came).
CREATE TABLE shards (
  hash      TEXT PRIMARY KEY,
  size      INTEGER NOT NULL,  -- as uploaded (blobs/<hash>)
  raw_size  INTEGER NOT NULL,
  stored_at TEXT NOT NULL      -- last upload, ISO 8601
) WITHOUT ROWID;
