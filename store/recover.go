package store

import (
	"context"
	"database/sql"
)

// recoverOpen marks attempts and batches that were still running when the
// last airfleet stopped as interrupted. An attempt ends at its last event or
// transcript line, or at its start; a batch at its last attempt's end, or
// its start. Open holds the log's lock, so nothing else is running them.
// An attempt without a message gets words, in English and Chinese (the
// caller's catalogue owns them: Options.Interrupted).
func recoverOpen(ctx context.Context, db *sql.DB, words [2]string) (Recovery, error) {
	var rec Recovery
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return rec, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	res, err := tx.ExecContext(ctx, `
UPDATE attempts SET
    result = 'interrupted',
    ended = max(started,
        COALESCE((SELECT MAX(time) FROM events WHERE attempt_id = attempts.id), started),
        COALESCE((SELECT MAX(time) FROM transcript WHERE attempt_id = attempts.id), started)),
    message = CASE WHEN message = '' THEN ? ELSE message END,
    message_zh = CASE WHEN message_zh = '' THEN ? ELSE message_zh END
WHERE result = 'running'`, words[0], words[1])
	if err != nil {
		return rec, err
	}
	n, _ := res.RowsAffected()
	rec.Attempts = int(n)
	res, err = tx.ExecContext(ctx, `
UPDATE batches SET
    status = 'interrupted',
    ended = max(started, COALESCE((SELECT MAX(ended) FROM attempts WHERE batch_id = batches.id), started))
WHERE status = 'running'`)
	if err != nil {
		return rec, err
	}
	n, _ = res.RowsAffected()
	rec.Batches = int(n)
	return rec, tx.Commit()
}
