package api

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
)

// Op names an operation the JavaScript shell asks of the Go core.
type Op int32

// Operations. The numbers are the contract with edge/src/go.mjs.
const (
	OpEvents    Op = 1  // POST /v1/events body → [response JSON, queue message JSON]
	OpPublish   Op = 2  // PUT /v1/blob body → [manifest or shard JSON, hash, raw form, zstd of raw form, kind]
	OpConsume   Op = 3  // queue bodies as one JSON array → [archive key, archive NDJSON, insert chunk JSON…]
	OpStats     Op = 4  // aggregate rows JSON → [stats JSON]
	OpExport    Op = 5  // pair rows JSON → [CSV]
	OpLoadBlob  Op = 6  // blob bytes → [hash]
	OpRecommend Op = 7  // URL query → [content type, answer]; 409 need_blob, or need_shards with the hashes to add
	OpConfigure Op = 8  // Config JSON → []
	OpMemory    Op = 9  // → [Go memory statistics JSON], for /v1/health and the soak
	OpAddShard  Op = 10 // stored pair shard bytes → [shard hash]; after OpRecommend answered 409 need_shards
)

// Core holds what outlives one call: the limits and the blob loaded for
// recommend. The worker keeps one per isolate.
type Core struct {
	Events  EventLimits
	MaxBlob int
	recs    *recommender
}

// NewCore returns a core with the default limits.
func NewCore() *Core { return &Core{Events: DefaultEventLimits, MaxBlob: 32 << 20} }

// Handle runs one operation. It never panics: a panic in an operation
// becomes a 500 answer, so one hostile request cannot kill the runtime that
// every later request reuses.
func (c *Core) Handle(op Op, in []byte, now int64) (status int, parts [][]byte) {
	defer func() {
		if r := recover(); r != nil {
			e := errorf(500, "internal", errors.New("panic"), "internal error in operation %d: %v", op, r)
			status, parts = e.Status, [][]byte{e.JSON()}
		}
	}()
	parts, err := c.run(op, in, now)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = errorf(500, "internal", err, "%v", err)
		}
		return e.Status, [][]byte{e.JSON()}
	}
	return 200, parts
}

func (c *Core) run(op Op, in []byte, now int64) ([][]byte, error) {
	switch op {
	case OpConfigure:
		return c.configure(in)
	case OpMemory:
		return memory()
	case OpEvents:
		return c.events(in, now)
	case OpPublish:
		return c.publish(in)
	case OpConsume:
		return consume(in)
	case OpStats:
		return stats(in)
	case OpExport:
		return export(in)
	case OpLoadBlob:
		return c.loadBlob(in)
	case OpRecommend:
		return c.recommend(in, now)
	case OpAddShard:
		return c.addShard(in)
	}
	return nil, errorf(500, "internal", ErrUnknownOp, "operation %d", op)
}

// Frame packs an answer for the shell: u16 status, u16 part count, then each
// part's u32 length, then the parts.
func Frame(dst []byte, status int, parts [][]byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst[:0], uint16(status))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(parts)))
	for _, p := range parts {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p)))
	}
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

// Unframe is Frame's inverse, for tests and Go callers.
func Unframe(b []byte) (status int, parts [][]byte, err error) {
	if len(b) < 4 {
		return 0, nil, fmt.Errorf("api: frame of %d bytes", len(b))
	}
	status = int(binary.LittleEndian.Uint16(b))
	n := int(binary.LittleEndian.Uint16(b[2:]))
	off := 4 + 4*n
	if len(b) < off {
		return 0, nil, fmt.Errorf("api: frame truncated")
	}
	for i := 0; i < n; i++ {
		l := int(binary.LittleEndian.Uint32(b[4+4*i:]))
		if off+l > len(b) {
			return 0, nil, fmt.Errorf("api: frame part %d truncated", i)
		}
		parts = append(parts, b[off:off+l])
		off += l
	}
	return status, parts, nil
}

// Config is what the shell passes once per isolate (OpConfigure), from the
// worker's [vars]; zero fields keep the defaults.
type Config struct {
	MaxEventBody int `json:"max_event_body"`
	MaxEvents    int `json:"max_events"`
	MaxBlobBytes int `json:"max_blob_bytes"`
}

func (c *Core) configure(in []byte) ([][]byte, error) {
	var cfg Config
	if err := json.Unmarshal(in, &cfg); err != nil {
		return nil, errorf(500, "bad_config", ErrBadJSON, "config: %s", jsonMessage(err))
	}
	if cfg.MaxEventBody > 0 {
		c.Events.MaxBody = cfg.MaxEventBody
	}
	if cfg.MaxEvents > 0 {
		c.Events.MaxEvents = cfg.MaxEvents
	}
	if cfg.MaxBlobBytes > 0 {
		c.MaxBlob = cfg.MaxBlobBytes
	}
	return nil, nil
}

// memory reports the Go heap, so a soak can tell a leak in Go from growth
// elsewhere in the isolate.
func memory() ([][]byte, error) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return [][]byte{fmt.Appendf(nil, `{"heap_alloc":%d,"heap_sys":%d,"sys":%d,"num_gc":%d}`, m.HeapAlloc, m.HeapSys, m.Sys, m.NumGC)}, nil
}
