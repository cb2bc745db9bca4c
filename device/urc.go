package device

import (
	"strconv"
	"strings"
)

// URCKind names what an unsolicited line means.
type URCKind int

// Kinds of unsolicited lines of the Air780 AT firmware (spec §3).
const (
	URCOther      URCKind = iota
	URCUpgradeInd         // +UPGRADEIND: <n>: progress 10…100, or a module error -1000…-1006
	URCUpgradeDL          // +UPGRADEDL: (manual only; logged, never awaited)
	URCUpgradeVer         // +UPGRADEVER: (manual only; logged, never awaited)
	URCBoot               // RDY, ^MODE:, +E_UTRAN Service, +CGEV:, +NITZ: after a (re)boot
	URCBootloader         // +QIND: "FOTA",… and ^boot.rom (hardware UART only)
)

func (k URCKind) String() string {
	return [...]string{"other", "upgrade-ind", "upgrade-dl", "upgrade-ver", "boot", "bootloader"}[k]
}

// ClassifyURC says what an unsolicited line is.
func ClassifyURC(line string) URCKind {
	t := strings.TrimSpace(line)
	switch {
	case strings.HasPrefix(t, "+UPGRADEIND:"):
		return URCUpgradeInd
	case strings.HasPrefix(t, "+UPGRADEDL:"):
		return URCUpgradeDL
	case strings.HasPrefix(t, "+UPGRADEVER:"):
		return URCUpgradeVer
	case t == "RDY", strings.HasPrefix(t, "^MODE:"), strings.HasPrefix(t, "+E_UTRAN"),
		strings.HasPrefix(t, "+CGEV:"), strings.HasPrefix(t, "+NITZ:"):
		return URCBoot
	case strings.HasPrefix(t, "+QIND:"), strings.HasPrefix(t, "^boot"):
		return URCBootloader
	}
	return URCOther
}

// ParseUpgradeInd reads "+UPGRADEIND: <n>". A value 0…100 is download
// progress in percent; a negative one is a module error (-1000 … -1006).
func ParseUpgradeInd(line string) (int, bool) {
	v, ok := afterPrefix(strings.TrimSpace(line), "+UPGRADEIND:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(unquote(v))
	if err != nil || n > 100 || n < -9999 {
		return 0, false
	}
	return n, true
}
