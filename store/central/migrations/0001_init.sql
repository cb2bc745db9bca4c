-- 0001: the first central log. Every table holds the rows of every
-- station, keyed by (station_id, the row's key in the station's log).
-- Columns are as in the station's log (store/migrations): times are
-- bigint unix milliseconds (UTC); read them with to_timestamp(t / 1000.0).
-- rev is the row's revision in its station's log: a row that changed (an
-- attempt that ended) replaces the older copy, never the other way.

CREATE TABLE stations (
    station_id uuid PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    host       text NOT NULL DEFAULT '',
    first_sync timestamptz NOT NULL DEFAULT now(),
    last_sync  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE modules (
    station_id   uuid NOT NULL,
    imei         text NOT NULL,
    rev          bigint NOT NULL,
    model        text NOT NULL DEFAULT '',
    firmware     text NOT NULL DEFAULT '',
    first_seen   bigint NOT NULL,
    last_seen    bigint NOT NULL,
    last_version bigint,
    last_slot    text NOT NULL DEFAULT '',
    PRIMARY KEY (station_id, imei)
);
CREATE INDEX modules_rev ON modules (station_id, rev);

CREATE TABLE batches (
    station_id  uuid NOT NULL,
    id          bigint NOT NULL,
    rev         bigint NOT NULL,
    mode        text NOT NULL,
    target      bigint,
    key_masked  text NOT NULL DEFAULT '' CHECK (length(key_masked) <= 5),
    url         text NOT NULL DEFAULT '',
    station     text NOT NULL DEFAULT '',
    operator    text NOT NULL DEFAULT '',
    host        text NOT NULL DEFAULT '',
    concurrency bigint NOT NULL DEFAULT 0,
    started     bigint NOT NULL,
    ended       bigint,
    status      text NOT NULL,
    PRIMARY KEY (station_id, id)
);
CREATE INDEX batches_rev ON batches (station_id, rev);
CREATE INDEX batches_started ON batches (started);
CREATE INDEX batches_station ON batches (station, started);

CREATE TABLE attempts (
    station_id    uuid NOT NULL,
    id            bigint NOT NULL,
    rev           bigint NOT NULL,
    batch_id      bigint,
    imei          text NOT NULL DEFAULT '',
    slot          text NOT NULL DEFAULT '',
    model         text NOT NULL DEFAULT '',
    firmware      text NOT NULL DEFAULT '',
    from_version  bigint,
    to_version    bigint,
    result        text NOT NULL,
    platform_code bigint,
    module_error  bigint,
    http_status   bigint,
    retries       bigint NOT NULL DEFAULT 0,
    requests      bigint NOT NULL DEFAULT 0,
    message       text NOT NULL DEFAULT '',
    message_zh    text NOT NULL DEFAULT '',
    started       bigint NOT NULL,
    ended         bigint,
    PRIMARY KEY (station_id, id)
);
CREATE INDEX attempts_rev ON attempts (station_id, rev);
-- history --imei: the whole IMEI or its first digits (text_pattern_ops
-- serves LIKE 'prefix%' whatever the database's collation) …
CREATE INDEX attempts_imei ON attempts (imei text_pattern_ops, started);
-- … or its last digits, which support staff usually have.
CREATE INDEX attempts_imei_tail ON attempts (reverse(imei) text_pattern_ops);
CREATE INDEX attempts_started ON attempts (started);
CREATE INDEX attempts_ended ON attempts (ended);
CREATE INDEX attempts_batch ON attempts (station_id, batch_id);

CREATE TABLE events (
    station_id uuid NOT NULL,
    id         bigint NOT NULL,
    attempt_id bigint,
    batch_id   bigint,
    imei       text NOT NULL DEFAULT '',
    slot       text NOT NULL DEFAULT '',
    time       bigint NOT NULL,
    step       text NOT NULL DEFAULT '',
    kind       text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    detail_zh  text NOT NULL DEFAULT '',
    code       bigint,
    PRIMARY KEY (station_id, id)
);
CREATE INDEX events_attempt ON events (station_id, attempt_id);

CREATE TABLE transcript (
    station_id uuid NOT NULL,
    id         bigint NOT NULL,
    attempt_id bigint,
    imei       text NOT NULL DEFAULT '',
    slot       text NOT NULL DEFAULT '',
    time       bigint NOT NULL,
    dir        text NOT NULL,
    text       text NOT NULL,
    PRIMARY KEY (station_id, id)
);
CREATE INDEX transcript_attempt ON transcript (station_id, attempt_id);
