package upgrade

// Which failed modules a bulk retry asks again: a request spent on an
// answer already known is a step toward the platform's ban (code 40).

// Primary is a result's code as the operator reads it: the platform's
// response code when there is one, else the module's error (0: none).
func (r Result) Primary() int { return PrimaryCode(r.Code, r.ModuleError) }

// PrimaryCode is the code the operator reads of a platform code and a
// module error: the platform's when there is one, else the module's (0:
// none). The one place that rule lives.
func PrimaryCode(code, moduleErr int) int {
	if code != 0 {
		return code
	}
	return moduleErr
}

// RetrySkip says why a bulk retry (the console's r, --retry-failed) must
// not ask again for a module whose last result was last, reached with the
// settings then, when the batch would now run with the settings now. A
// failure whose code the catalogue marks RetryNever is never retried in
// bulk; one marked RetryAfterChange only once the mode, key, URL or target
// changed. Starting the module by name (S, --imei) is the way to force it.
func RetrySkip(last Result, then, now Config) (Sentence, bool) {
	if last.Outcome != Failed {
		return Sentence{}, false
	}
	code := last.Primary()
	info, ok := Lookup(code)
	if !ok || code == 0 {
		return Sentence{}, false
	}
	switch info.Retry {
	case RetryNever:
		return msgRetryNever.With(msgCodeTitle.With(code)), true
	case RetryAfterChange:
		if sameRequest(then, now) {
			return msgRetrySame.With(msgCodeTitle.With(code)), true
		}
	}
	return Sentence{}, false
}

// sameRequest reports whether two configurations make a module ask the
// same question: the same mode, key, URL and target.
func sameRequest(a, b Config) bool {
	return a.Mode == b.Mode && a.Key == b.Key && a.URL == b.URL && a.Target == b.Target
}

// retryNever reports whether r failed with a code the catalogue never lets
// a bulk retry or an auto-start follow (40: banned).
func retryNever(r Result) bool {
	info, ok := Lookup(r.Primary())
	return ok && r.Primary() != 0 && info.Retry == RetryNever
}
