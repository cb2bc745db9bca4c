package platform

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"airfleet/device/sim/delta"
)

// TestConcurrentFleet has 256 modules ask at once, twice each, while the
// generation delay runs out, and checks every answer and the counts.
func TestConcurrentFleet(t *testing.T) {
	const modules = 256
	clock := newClock()
	var events sync.WaitGroup
	events.Add(2 * modules)
	p := fixture(t, Config{Now: clock.Now, GenerateDelay: time.Second, DeltaSize: 4096,
		OnRequest: func(Request) { events.Done() }})
	must(t, p.AddFirmware(keyF, Firmware{Name: fwEP, Versions: []int{1006, 1007}, Allow: true, AllDevices: true}))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: modules}}
	defer client.CloseIdleConnections()

	type result struct {
		status int
		err    error
	}
	results := make(chan result, 2*modules)
	ask := func(imei string) {
		res, err := client.Get(p.BaseURL() + upgradeQuery(imei, keyF, fwEP, 1006))
		if err != nil {
			results <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode == http.StatusOK {
			_, err = delta.Parse(b)
		}
		results <- result{res.StatusCode, err}
	}
	var wg sync.WaitGroup
	for i := range modules {
		imei := fmt.Sprintf("86%013d", i)
		p.SellIMEI(imei, acctA)
		wg.Go(func() { ask(imei); clock.Advance(10 * time.Millisecond); ask(imei) })
	}
	wg.Wait()
	events.Wait()
	close(results)
	ok := 0
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.status == http.StatusOK {
			ok++
		}
	}
	// 512 requests × 10 ms of clock: the delay of 1 s runs out part way.
	if ok == 0 || ok == 2*modules {
		t.Errorf("%d of %d answers were 200; want some 43s then 200s", ok, 2*modules)
	}
	if n := len(p.Log()); n != 2*modules {
		t.Errorf("log has %d requests, want %d", n, 2*modules)
	}
	if n := p.Requests(fmt.Sprintf("86%013d", 7)); n != 2 {
		t.Errorf("Requests = %d, want 2", n)
	}
}
