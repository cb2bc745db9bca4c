package platform

import "time"

// dayCount is an IMEI's request count on one calendar day.
type dayCount struct {
	day string // 2006-01-02 in Config.Zone
	n   int
}

// dayOf returns the calendar day of t in the platform's zone. The daily
// count is per calendar day (it starts again at midnight, China time by
// default), not per rolling 24 hours: a console that budgets by rolling
// 24 hours is never more lenient than this.
func (p *Platform) dayOf(t time.Time) string {
	return t.In(p.cfg.Zone).Format(time.DateOnly)
}

// countLocked counts one more request from imei at now and reports whether
// imei is banned after it: the request that reaches Config.BanAfter bans the
// IMEI, and the ban lasts until Unban, whatever the day. The caller holds p.mu.
func (p *Platform) countLocked(imei string, now time.Time) bool {
	day := p.dayOf(now)
	c := p.counts[imei]
	if c == nil || c.day != day {
		c = &dayCount{day: day}
		p.counts[imei] = c
	}
	c.n++
	if c.n >= p.cfg.BanAfter {
		p.banned[imei] = true
	}
	return p.banned[imei]
}

// Requests returns how many upgrade requests imei has made today by the
// platform's own count, banned ones included.
func (p *Platform) Requests(imei string) int {
	day := p.dayOf(p.cfg.Now())
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.counts[imei]; c != nil && c.day == day {
		return c.n
	}
	return 0
}

// Ban bans imei at once, as if it had asked too often: its requests get
// code 40 until Unban.
func (p *Platform) Ban(imei string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.banned[imei] = true
}

// Unban lifts the ban on imei, as an operator does in the platform's device
// list, and starts its daily count again from zero (otherwise its next
// request would ban it again).
func (p *Platform) Unban(imei string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.banned, imei)
	delete(p.counts, imei)
}

// Banned reports whether imei is banned.
func (p *Platform) Banned(imei string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.banned[imei]
}
