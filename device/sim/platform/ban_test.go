package platform

import (
	"testing"
	"time"
)

// askCodes sends n upgrade requests for imei1 at 1007 (answer 27 unless
// banned) and returns the codes.
func askCodes(t *testing.T, p *Platform, n int) []Code {
	t.Helper()
	var codes []Code
	for range n {
		c, _ := codeOf(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1007)))
		codes = append(codes, c)
	}
	return codes
}

func TestBanAtSixthRequest(t *testing.T) {
	p := fixture(t, Config{})
	codes := askCodes(t, p, 7)
	want := []Code{27, 27, 27, 27, 27, 40, 40}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("codes %v, want %v", codes, want)
		}
	}
	if !p.Banned(imei1) || p.Requests(imei1) != 7 {
		t.Errorf("Banned %v Requests %d, want true 7", p.Banned(imei1), p.Requests(imei1))
	}
	if p.Banned(imei2) || p.Requests(imei2) != 0 {
		t.Error("another IMEI is affected")
	}
	p.Unban(imei1)
	if p.Banned(imei1) || p.Requests(imei1) != 0 {
		t.Fatalf("after Unban: Banned %v Requests %d", p.Banned(imei1), p.Requests(imei1))
	}
	if c := askCodes(t, p, 1); c[0] != CodeLatest {
		t.Errorf("after Unban: code %d, want 27", c[0])
	}
}

func TestBanAfterConfigured(t *testing.T) {
	p := fixture(t, Config{BanAfter: 2})
	if c := askCodes(t, p, 2); c[0] != CodeLatest || c[1] != CodeBanned {
		t.Errorf("codes %v, want [27 40]", c)
	}
}

func TestDailyCountIsPerCalendarDay(t *testing.T) {
	clock := newClock() // 10:00 China time
	p := fixture(t, Config{Now: clock.Now})
	askCodes(t, p, 5)
	clock.Advance(13*time.Hour + 59*time.Minute) // 23:59 the same day
	if p.Requests(imei1) != 5 {
		t.Fatalf("Requests %d, want 5 before midnight", p.Requests(imei1))
	}
	clock.Advance(time.Minute) // midnight: a new day
	if p.Requests(imei1) != 0 {
		t.Fatalf("Requests %d, want 0 after midnight", p.Requests(imei1))
	}
	if c := askCodes(t, p, 5); c[4] != CodeLatest {
		t.Errorf("codes %v: banned on the new day's 5th request", c)
	}
	if c := askCodes(t, p, 1); c[0] != CodeBanned {
		t.Errorf("6th request of the day: code %d, want 40", c[0])
	}
	clock.Advance(48 * time.Hour)
	if c := askCodes(t, p, 1); c[0] != CodeBanned {
		t.Errorf("a ban outlives the day: code %d, want 40", c[0])
	}
}

func TestPreBan(t *testing.T) {
	p := fixture(t, Config{})
	p.Ban(imei1)
	if !p.Banned(imei1) {
		t.Fatal("Ban did not ban")
	}
	if c := askCodes(t, p, 1); c[0] != CodeBanned {
		t.Errorf("code %d, want 40", c[0])
	}
	if p.Requests(imei1) != 1 {
		t.Errorf("a banned request was not counted")
	}
}

func TestInvalidIMEINotCounted(t *testing.T) {
	p := fixture(t, Config{})
	get(t, p, upgradeQuery("12345", keyF, fwEP, 1006))
	if n := p.Requests("12345"); n != 0 {
		t.Errorf("Requests = %d for an invalid IMEI", n)
	}
}
