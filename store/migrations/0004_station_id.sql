-- 0004: a station identity unique in a factory, and what the central log
-- (PostgreSQL, store/central) needs to copy every row exactly once.
--
-- The station ID is a UUID made here, once, when the log is first
-- migrated, and kept: the station's name is for people and may be
-- shared or changed; the ID is what the centre keys this log's rows by.
-- A copied log file carries its ID with it: give each station its own log.
CREATE TABLE station (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id  TEXT NOT NULL
);
INSERT INTO station (one, id) VALUES (1,
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
    substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
    lower(hex(randomblob(6))));

ALTER TABLE batches ADD COLUMN station_id TEXT NOT NULL DEFAULT '';
UPDATE batches SET station_id = (SELECT id FROM station);

-- Rows that change after they are written (a batch or an attempt that
-- ends, a module seen again) carry a revision from one counter, bumped in
-- the writing transaction: revisions grow in commit order, so "every row
-- with rev > the mark" is exactly what changed since a sync. Events and
-- transcript lines never change; their id grows in commit order.
CREATE TABLE sync_seq (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   INTEGER NOT NULL
);
ALTER TABLE batches ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE modules ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE batches SET rev = id;
UPDATE attempts SET rev = id;
UPDATE modules SET rev = rowid;
INSERT INTO sync_seq (one, n) VALUES (1, max(
    (SELECT COALESCE(max(rev), 0) FROM batches),
    (SELECT COALESCE(max(rev), 0) FROM attempts),
    (SELECT COALESCE(max(rev), 0) FROM modules)));
CREATE INDEX batches_rev ON batches (rev);
CREATE INDEX attempts_rev ON attempts (rev);
CREATE INDEX modules_rev ON modules (rev);

CREATE TRIGGER batches_rev_insert AFTER INSERT ON batches BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE batches SET rev = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER batches_rev_update AFTER UPDATE ON batches WHEN NEW.rev = OLD.rev BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE batches SET rev = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER attempts_rev_insert AFTER INSERT ON attempts BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE attempts SET rev = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER attempts_rev_update AFTER UPDATE ON attempts WHEN NEW.rev = OLD.rev BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE attempts SET rev = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER modules_rev_insert AFTER INSERT ON modules BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE modules SET rev = (SELECT n FROM sync_seq) WHERE imei = NEW.imei;
END;
CREATE TRIGGER modules_rev_update AFTER UPDATE ON modules WHEN NEW.rev = OLD.rev BEGIN
    UPDATE sync_seq SET n = n + 1;
    UPDATE modules SET rev = (SELECT n FROM sync_seq) WHERE imei = NEW.imei;
END;

-- How far each central log has confirmed this log's rows, per table: the
-- mark advances only after the centre committed them. central is the
-- central database's own ID, so a new or other centre starts from zero.
CREATE TABLE sync_marks (
    central TEXT NOT NULL,
    tbl     TEXT NOT NULL,
    mark    INTEGER NOT NULL,
    PRIMARY KEY (central, tbl)
);
