// Package delta is the simulator's stand-in for a Luat differential FOTA
// file: it names the firmware, the base and target core versions, and carries
// a checksum, so that a simulated module can verify what the simulated
// platform (or an operator's own server) served it.
//
// The format is private to the simulator: the driver never parses it.
//
//	LUATDFOTA1 name=<firmware name> base=<core> target=<core> size=<n> crc32=<8 hex>\n
//	<n payload bytes>
package delta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Magic opens every delta file.
const Magic = "LUATDFOTA1"

// ErrInvalid is returned by Parse for anything that is not a whole, intact delta.
var ErrInvalid = errors.New("delta: invalid firmware file")

// Delta describes one differential firmware file.
type Delta struct {
	FirmwareName string // e.g. AirM2M_780EP_LTE_AT
	Base, Target int    // core versions, e.g. 1006 and 1007
	Size         int    // payload bytes (what must fit the module's FOTA area)
}

// Make returns the bytes of a delta file with a pseudo-random payload of
// d.Size bytes derived from seed.
func Make(d Delta, seed uint64) []byte {
	payload := make([]byte, d.Size)
	r := rand.New(rand.NewPCG(seed, uint64(d.Base)<<32|uint64(d.Target)))
	for i := range payload {
		payload[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s name=%s base=%d target=%d size=%d crc32=%08x\n",
		Magic, d.FirmwareName, d.Base, d.Target, d.Size, crc32.ChecksumIEEE(payload))
	b.Write(payload)
	return b.Bytes()
}

// Parse verifies b (magic, header fields, length, checksum) and returns its
// description. Any defect yields an error wrapping ErrInvalid.
func Parse(b []byte) (Delta, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	head, err := r.ReadString('\n')
	if err != nil {
		return Delta{}, fmt.Errorf("%w: no header line", ErrInvalid)
	}
	fields := strings.Fields(head)
	if len(fields) != 6 || fields[0] != Magic {
		return Delta{}, fmt.Errorf("%w: bad header", ErrInvalid)
	}
	kv := map[string]string{}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Delta{}, fmt.Errorf("%w: bad header field %q", ErrInvalid, f)
		}
		kv[k] = v
	}
	var d Delta
	d.FirmwareName = kv["name"]
	nums := map[string]*int{"base": &d.Base, "target": &d.Target, "size": &d.Size}
	for k, p := range nums {
		n, err := strconv.Atoi(kv[k])
		if err != nil || n < 0 {
			return Delta{}, fmt.Errorf("%w: bad %s", ErrInvalid, k)
		}
		*p = n
	}
	sum, err := strconv.ParseUint(kv["crc32"], 16, 32)
	if err != nil || d.FirmwareName == "" {
		return Delta{}, fmt.Errorf("%w: bad name or checksum", ErrInvalid)
	}
	payload := b[len(head):]
	if len(payload) != d.Size {
		return Delta{}, fmt.Errorf("%w: payload is %d bytes, header says %d", ErrInvalid, len(payload), d.Size)
	}
	if crc32.ChecksumIEEE(payload) != uint32(sum) {
		return Delta{}, fmt.Errorf("%w: checksum mismatch", ErrInvalid)
	}
	return d, nil
}

// MaxHeader is the longest header line Make writes for any sensible
// firmware name; Header gives up on a first line longer than this.
const MaxHeader = 512

// Header reads only the header line at the start of b: the delta it
// describes and the length of the whole file (header and payload), so
// that a module receiving a delta in pieces knows what it is, where it
// ends and that what follows is padding. It fails (ErrInvalid) on a
// missing or malformed header; it does not check the payload: Parse does.
func Header(b []byte) (Delta, int, error) {
	i := bytes.IndexByte(b[:min(len(b), MaxHeader)], '\n')
	if i < 0 {
		return Delta{}, 0, fmt.Errorf("%w: no header line", ErrInvalid)
	}
	fields := strings.Fields(string(b[:i]))
	if len(fields) != 6 || fields[0] != Magic {
		return Delta{}, 0, fmt.Errorf("%w: bad header", ErrInvalid)
	}
	kv := map[string]string{}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	d := Delta{FirmwareName: kv["name"]}
	for k, p := range map[string]*int{"base": &d.Base, "target": &d.Target, "size": &d.Size} {
		n, err := strconv.Atoi(kv[k])
		if err != nil || n < 0 {
			return Delta{}, 0, fmt.Errorf("%w: bad %s", ErrInvalid, k)
		}
		*p = n
	}
	if d.FirmwareName == "" {
		return Delta{}, 0, fmt.Errorf("%w: no name", ErrInvalid)
	}
	return d, i + 1 + d.Size, nil
}
