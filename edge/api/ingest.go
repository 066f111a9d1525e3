package api

import (
	"encoding/json"
)

// eventsAnswer is what POST /v1/events answers (202).
type eventsAnswer struct {
	Accepted int          `json:"accepted"`
	Rejected []FieldError `json:"rejected"`
}

// events validates a browser batch and returns the answer and the queue
// message: the accepted events as one JSON array, so a batch of 20 costs one
// queue send, not twenty.
func (c *Core) events(body []byte, now int64) ([][]byte, error) {
	b, err := ParseEvents(body, now, c.Events)
	if err != nil {
		return nil, err
	}
	ans := eventsAnswer{Accepted: len(b.Events), Rejected: b.Rejected}
	if ans.Rejected == nil {
		ans.Rejected = []FieldError{}
	}
	resp, err := json.Marshal(ans)
	if err != nil {
		return nil, err
	}
	var msg []byte
	if len(b.Events) > 0 {
		if msg, err = json.Marshal(b.Events); err != nil {
			return nil, err
		}
	}
	return [][]byte{resp, msg}, nil
}
