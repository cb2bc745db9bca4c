-- 0001: the first airfleet log.
--
-- Times are INTEGER unix milliseconds (UTC); read them in the sqlite3 shell
-- with datetime(col / 1000, 'unixepoch', 'localtime').
-- Optional numbers (versions, codes) are NULL when unknown.

CREATE TABLE modules (
    imei         TEXT PRIMARY KEY,
    model        TEXT NOT NULL DEFAULT '',
    firmware     TEXT NOT NULL DEFAULT '',
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    last_version INTEGER,
    last_slot    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    mode        TEXT NOT NULL,              -- iot | key | url
    target      INTEGER,                    -- core version, NULL = latest
    key_masked  TEXT NOT NULL DEFAULT ''    -- never the key: '…' + last four
                CHECK (length(key_masked) <= 5),
    url         TEXT NOT NULL DEFAULT '',
    station     TEXT NOT NULL DEFAULT '',
    operator    TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    concurrency INTEGER NOT NULL DEFAULT 0,
    started     INTEGER NOT NULL,
    ended       INTEGER,
    status      TEXT NOT NULL DEFAULT 'running'  -- running | done | cancelled | interrupted
);
CREATE INDEX batches_station ON batches (station, started);
CREATE INDEX batches_open ON batches (id) WHERE status = 'running';

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    batch_id      INTEGER REFERENCES batches (id),
    imei          TEXT NOT NULL DEFAULT '',
    slot          TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    from_version  INTEGER,
    to_version    INTEGER,
    result        TEXT NOT NULL DEFAULT 'running',
    platform_code INTEGER,
    module_error  INTEGER,
    http_status   INTEGER,
    retries       INTEGER NOT NULL DEFAULT 0,
    requests      INTEGER NOT NULL DEFAULT 0,  -- AT+UPGRADE requests sent
    message       TEXT NOT NULL DEFAULT '',
    started       INTEGER NOT NULL,
    ended         INTEGER
);
CREATE INDEX attempts_imei ON attempts (imei, started);
CREATE INDEX attempts_batch ON attempts (batch_id);
CREATE INDEX attempts_started ON attempts (started);
CREATE INDEX attempts_ended ON attempts (ended);
CREATE INDEX attempts_open ON attempts (id) WHERE result = 'running';

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    attempt_id INTEGER REFERENCES attempts (id),
    batch_id   INTEGER REFERENCES batches (id),
    imei       TEXT NOT NULL DEFAULT '',
    slot       TEXT NOT NULL DEFAULT '',
    time       INTEGER NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,                -- info | request | error | progress
    detail     TEXT NOT NULL DEFAULT '',
    code       INTEGER
);
CREATE INDEX events_attempt ON events (attempt_id, time);
-- The 24-hour request budget counts these.
CREATE INDEX events_requests ON events (imei, time) WHERE kind = 'request';

-- High volume: one row per AT line. Lean on purpose.
CREATE TABLE transcript (
    id         INTEGER PRIMARY KEY,
    attempt_id INTEGER REFERENCES attempts (id),
    imei       TEXT NOT NULL DEFAULT '',
    slot       TEXT NOT NULL DEFAULT '',
    time       INTEGER NOT NULL,
    dir        TEXT NOT NULL,                -- '>' out, '<' in, '#' note
    text       TEXT NOT NULL
);
CREATE INDEX transcript_attempt ON transcript (attempt_id);
-- Lines of an attempt are found through attempts (imei); only the few lines
-- outside any attempt (discovery, identify) need an index of their own.
-- Indexing every line by imei would cost a third of the insert rate.
CREATE INDEX transcript_loose ON transcript (imei, time) WHERE attempt_id IS NULL;
