// Package api is what the edge worker decides, without any I/O: it validates
// event batches and blob uploads, plans the queue consumer's writes, and turns
// aggregate rows into stats and the feedback CSV. The JavaScript shell in
// edge/src does the fetches, D1 queries and R2 reads and calls in here through
// one long-lived Go runtime (see Handle), so the logic is tested natively.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Errors, each with the HTTP status and code the worker answers with.
var (
	// ErrBadJSON: the body is not the JSON this route expects.
	ErrBadJSON = errors.New("api: malformed JSON")
	// ErrTooLarge: the body or a batch is over its cap.
	ErrTooLarge = errors.New("api: too large")
	// ErrInvalid: a field failed validation.
	ErrInvalid = errors.New("api: invalid")
	// ErrBadBlob: an upload failed the core's validation.
	ErrBadBlob = errors.New("api: bad blob")
	// ErrNoBlob: recommend was asked before a blob was loaded.
	ErrNoBlob = errors.New("api: no blob loaded")
	// ErrUnknownOp: the shell asked for an operation this build does not know.
	ErrUnknownOp = errors.New("api: unknown operation")
	// ErrNeedShards: recommend on a sharded blob needs shards the isolate
	// has not added yet (Error.Shards names them).
	ErrNeedShards = errors.New("api: shards not loaded")
)

// Error is an answer the worker sends as {"error":{"code":…,"message":…}}.
type Error struct {
	Status  int    // HTTP status
	Code    string // stable, machine-readable
	Message string // for people: names the field, index or limit
	Err     error  // sentinel, for errors.Is
	// Shards: for need_shards, the hashes the shell must fetch and add.
	Shards []string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Err }

// JSON renders the error body.
func (e *Error) JSON() []byte {
	body := map[string]any{"code": e.Code, "message": e.Message}
	if e.Shards != nil {
		body["shards"] = e.Shards
	}
	b, _ := json.Marshal(map[string]any{"error": body})
	return b
}

func errorf(status int, code string, sentinel error, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Err: sentinel}
}
