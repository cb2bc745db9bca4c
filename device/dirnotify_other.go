//go:build !linux

package device

import (
	"context"
	"errors"
)

// Notify is not there outside Linux: the watcher polls the directory.
func (d *DirSource) Notify(ctx context.Context) (<-chan struct{}, error) {
	return nil, errors.New("fleet directory: change notification needs Linux inotify; polling")
}
