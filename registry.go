package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"airfleet/store"
	"airfleet/upgrade"
)

// openLog opens the log at path for a command that sends upgrade
// requests: the log joins this host's registry, and the budget counts the
// requests of every log listed there.
func openLog(path string) (*upgrade.StoreLog, error) {
	s, err := store.Open(path, upgrade.LogOptions(store.Options{Registry: store.DefaultRegistryPath()}))
	if err != nil {
		return nil, err
	}
	return upgrade.NewStoreLog(s), nil
}

// warnOtherLogs tells the operator, when this run started a new log while
// other logs of this host hold requests of the last 24 h for these
// modules, which logs those are: the budget counts them, but the history
// of these modules is now split between logs.
func warnOtherLogs(stderr io.Writer, log *upgrade.StoreLog, eng *upgrade.Engine, imeis []string, lang string) {
	st := log.Store()
	if !st.Created() {
		return
	}
	if len(imeis) == 0 {
		for _, m := range eng.Sessions().Modules() {
			if m.Info.IMEI != "" {
				imeis = append(imeis, m.Info.IMEI)
			}
		}
	}
	others, err := st.OtherLogsWithRequests(imeis, time.Now().Add(-24*time.Hour))
	if err != nil {
		fmt.Fprintf(stderr, "airfleet: warning: %v\n", err)
		return
	}
	if len(others) > 0 {
		fmt.Fprintln(stderr, "airfleet:", upgrade.MsgCLIOtherlogs.With(st.Path(), strings.Join(others, ", ")).In(lang))
	}
}
