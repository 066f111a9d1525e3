package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"
)

// ChunkEvents bounds one INSERT: the events go to D1 as a single JSON
// parameter read with json_each, which sidesteps D1's 100-parameter limit;
// the chunk keeps each statement well under D1's statement size limit.
const ChunkEvents = 200

// consume plans the queue consumer's writes for one batch. in is a JSON
// array of queue message bodies, each an array of events written by
// OpEvents. It answers the R2 archive key, the archive as NDJSON (one event
// per line, sorted by id), and the events in insert chunks.
//
// Exactly once: the chunks are inserted with INSERT OR IGNORE keyed by event
// id, and every aggregate is recomputed from the events table, so replaying a
// batch (a retry) or two batches holding the same event change nothing. The
// archive key is the hash of its content, so a retried batch overwrites its
// own archive instead of adding a copy.
func consume(in []byte) ([][]byte, error) {
	var msgs [][]Event
	if err := json.Unmarshal(in, &msgs); err != nil {
		return nil, errorf(500, "bad_queue_message", ErrBadJSON, "queue batch: %s", jsonMessage(err))
	}
	byID := map[string]Event{}
	for _, m := range msgs {
		for _, e := range m {
			if e.ID == "" || e.Day == "" || e.Type == "" || e.Visitor == "" {
				return nil, errorf(500, "bad_queue_message", ErrInvalid, "queue batch: event %q lacks id, day, type or visitor", e.ID)
			}
			byID[e.ID] = e
		}
	}
	evs := make([]Event, 0, len(byID))
	for _, e := range byID {
		evs = append(evs, e)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].ID < evs[j].ID })
	if len(evs) == 0 {
		return [][]byte{nil, nil}, nil
	}

	var archive bytes.Buffer
	enc := json.NewEncoder(&archive)
	var minRecv int64 = evs[0].Received
	for _, e := range evs {
		if err := enc.Encode(e); err != nil {
			return nil, err
		}
		if e.Received < minRecv {
			minRecv = e.Received
		}
	}
	sum := sha256.Sum256(archive.Bytes())
	key := "events/" + time.UnixMilli(minRecv).UTC().Format("2006/01/02") + "/" + hex.EncodeToString(sum[:12]) + ".ndjson"
	parts := [][]byte{[]byte(key), archive.Bytes()}
	for start := 0; start < len(evs); start += ChunkEvents {
		end := min(start+ChunkEvents, len(evs))
		chunk, err := json.Marshal(evs[start:end])
		if err != nil {
			return nil, err
		}
		parts = append(parts, chunk)
	}
	return parts, nil
}
