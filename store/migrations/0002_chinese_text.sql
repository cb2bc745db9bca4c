-- The console speaks Chinese and English. What the engine said about an
-- attempt (its events and its closing message) is kept in both, so the
-- history reads in the language of whoever looks at it. Rows written
-- before this step have English only ('' here).
ALTER TABLE events ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN message_zh TEXT NOT NULL DEFAULT '';
