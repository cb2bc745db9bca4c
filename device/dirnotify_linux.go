package device

// DirSource tells a Watcher of its changes by inotify, so that a station
// whose modules sit still costs no listing four times a second.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirWatchMask: what changes a fleet or slot directory's listing. A link
// made by rename (the simulator, udev) is IN_MOVED_TO; IN_ATTRIB covers a
// changed mode; the *_SELF events mean the directory itself went.
const dirWatchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR

// targetWatchMask: a port's device node appearing or going in /dev or
// /dev/pts (a module unplugged or rebooting whose link stays behind). Not
// IN_ATTRIB: the listing asks only whether the node is there, and every
// other program's new pty is chmod-ed in /dev/pts, each event a wake-up.
const targetWatchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ONLYDIR

// Notify tells of every change to the fleet directory, to its slot
// directories, and to the device nodes its links point at: inotify
// watches on the directory, each slot directory, and each directory that
// holds a port's device node (/dev, /dev/pts), whose events count only for
// the nodes the links name. A slot directory made later is watched from
// the moment it is seen. Notify's channel closes when ctx ends or the
// fleet directory is moved or removed (the watcher then polls, and asks
// again once the directory lists). An error means inotify is not there
// (no watches left: fs.inotify.max_user_watches or max_user_instances);
// the watcher polls.
func (d *DirSource) Notify(ctx context.Context) (<-chan struct{}, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, &os.SyscallError{Syscall: "inotify_init1", Err: err}
	}
	// Non-blocking: the runtime's poller waits for it, and Close ends a
	// Read under way.
	f := os.NewFile(uintptr(fd), "inotify")
	n := &dirNotifier{fd: fd, f: f, root: d.Dir, dirs: map[int32]string{}, kinds: map[int32]bool{}, targets: map[string]bool{}, watched: map[string]bool{}}
	if err := n.add(d.Dir, dirWatchMask); err != nil {
		f.Close()
		return nil, err
	}
	n.rootWd = n.wdOf(d.Dir)
	n.scanSlots()
	ch := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			// Ends a Read under way; the reader closes the file, so
			// that no watch is ever added to a closed descriptor.
			_ = f.SetReadDeadline(time.Now())
		case <-done:
		}
	}()
	go func() {
		defer close(done)
		n.read(ctx, ch)
	}()
	return ch, nil
}

// dirNotifier is one Notify's inotify instance.
type dirNotifier struct {
	fd      int
	f       *os.File
	root    string
	rootWd  int32
	dirs    map[int32]string // watch → directory
	kinds   map[int32]bool   // watch → is a target directory (/dev/pts)
	watched map[string]bool  // directories watched
	targets map[string]bool  // device nodes the links name
}

func (n *dirNotifier) add(dir string, mask uint32) error {
	if n.watched[dir] {
		return nil
	}
	wd, err := unix.InotifyAddWatch(n.fd, dir, mask)
	if err != nil {
		return &os.PathError{Op: "inotify_add_watch", Path: dir, Err: err}
	}
	n.dirs[int32(wd)] = dir
	n.kinds[int32(wd)] = mask == targetWatchMask
	n.watched[dir] = true
	return nil
}

func (n *dirNotifier) wdOf(dir string) int32 {
	for wd, d := range n.dirs {
		if d == dir {
			return wd
		}
	}
	return -1
}

// scanSlots watches every slot directory and the device nodes of its
// ports. A slot that cannot be watched is left to the Quiet listing.
func (n *dirNotifier) scanSlots() {
	entries, err := os.ReadDir(n.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			n.slotAppeared(filepath.Join(n.root, e.Name()))
		}
	}
}

// slotAppeared watches a new slot directory and its ports' nodes.
func (n *dirNotifier) slotAppeared(dir string) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return
	}
	if n.add(dir, dirWatchMask) != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n.portAppeared(filepath.Join(dir, e.Name()))
	}
}

// portAppeared watches the directory of the node a port entry names,
// following one link (it may dangle: its node may come later) and the
// whole chain when it resolves.
func (n *dirNotifier) portAppeared(entry string) {
	if _, _, isPort := dirInterface(filepath.Base(entry)); !isPort && filepath.Base(entry) != bootEntry {
		return
	}
	var nodes []string
	if t, err := os.Readlink(entry); err == nil {
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(entry), t)
		}
		nodes = append(nodes, filepath.Clean(t))
	}
	if t, err := filepath.EvalSymlinks(entry); err == nil {
		nodes = append(nodes, t)
	}
	for _, node := range nodes {
		if n.add(filepath.Dir(node), targetWatchMask) == nil {
			n.targets[node] = true
		}
	}
}

// read turns inotify events into ticks on ch until ctx ends or the fleet
// directory goes; then ch closes.
func (n *dirNotifier) read(ctx context.Context, ch chan<- struct{}) {
	defer close(ch)
	defer n.f.Close()
	buf := make([]byte, 64*1024)
	for ctx.Err() == nil {
		k, err := n.f.Read(buf)
		if err != nil || k < unix.SizeofInotifyEvent {
			return // ctx ended
		}
		tell, gone := n.events(buf[:k])
		if gone {
			return
		}
		if tell {
			select {
			case ch <- struct{}{}:
			default: // one is pending: it covers this one
			}
		}
	}
}

// events reads one buffer of events: whether any concerns the listing, and
// whether the fleet directory itself went.
func (n *dirNotifier) events(buf []byte) (tell, gone bool) {
	for off := 0; off+unix.SizeofInotifyEvent <= len(buf); {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
		off += unix.SizeofInotifyEvent + int(ev.Len)
		name := strings.TrimRight(string(nameBytes), "\x00")
		if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
			// Events were lost, new slot directories among them.
			n.scanSlots()
			tell = true
			continue
		}
		dir, ok := n.dirs[ev.Wd]
		if !ok {
			continue
		}
		if ev.Mask&unix.IN_IGNORED != 0 {
			n.forget(ev.Wd)
			if ev.Wd == n.rootWd {
				return tell, true
			}
			continue
		}
		switch {
		case ev.Wd == n.rootWd && ev.Mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0:
			return true, true
		case ev.Wd == n.rootWd:
			if name != "" && !strings.HasPrefix(name, ".") && ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				n.slotAppeared(filepath.Join(dir, name))
			}
			tell = true
		case n.kinds[ev.Wd]:
			// /dev or /dev/pts: only the nodes our links name.
			if n.targets[filepath.Join(dir, name)] {
				tell = true
			}
		default: // a slot directory
			if name != "" && ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				n.portAppeared(filepath.Join(dir, name))
			}
			tell = true
		}
	}
	return tell, false
}

// forget drops a watch the kernel removed (its directory went).
func (n *dirNotifier) forget(wd int32) {
	delete(n.watched, n.dirs[wd])
	delete(n.dirs, wd)
	delete(n.kinds, wd)
}
