//go:build !windows

package device

import (
	"errors"
	"os"
	"syscall"
)

// errNoOwner: the port has no owner or permission bits to read.
var errNoOwner = errors.New("no owner to read")

func statPort(path string) (portStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return portStat{}, err
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return portStat{}, errNoOwner
	}
	return portStat{Uid: st.Uid, Gid: st.Gid, Mode: uint32(st.Mode)}, nil
}
