package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xsell/xsell/wasm/blob"
)

// Event types a browser may send.
const (
	TypeImpression = "impression"
	TypeClick      = "click"
	TypeAdd        = "add"
	TypePurchase   = "purchase"
	TypeDismiss    = "dismiss"
)

var eventTypes = []string{TypeImpression, TypeClick, TypeAdd, TypePurchase, TypeDismiss}

// EventLimits caps what one POST /v1/events may carry.
type EventLimits struct {
	MaxBody   int           // bytes
	MaxEvents int           // per batch
	MaxAge    time.Duration // oldest ts accepted (a browser queue may hold events offline)
	MaxAhead  time.Duration // newest ts accepted (clock skew)
}

// DefaultEventLimits fit a browser batch with room to spare.
var DefaultEventLimits = EventLimits{MaxBody: 64 << 10, MaxEvents: 100, MaxAge: 30 * 24 * time.Hour, MaxAhead: 10 * time.Minute}

// Event is one thing a shopper did with a suggestion, as stored. JSON names
// are the wire names the browser sends (docs/edge.md lists them).
type Event struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	TS        int64   `json:"ts"`
	Day       string  `json:"day"`
	Received  int64   `json:"received"`
	Placement string  `json:"placement"`
	Anchor    string  `json:"anchor"`
	Item      string  `json:"item"`
	Rule      string  `json:"rule"`
	Rank      int     `json:"rank"`
	Variant   string  `json:"variant"`
	Blob      string  `json:"blob"`
	Price     float64 `json:"price"`
	Qty       int     `json:"qty"`
	Currency  string  `json:"currency"`
	Order     string  `json:"order"`
	Visitor   string  `json:"visitor"`
}

// wireEvent is what the browser sends: pointers tell absent from zero.
type wireEvent struct {
	ID        *string  `json:"id"`
	Type      *string  `json:"type"`
	TS        *float64 `json:"ts"`
	Placement *string  `json:"placement"`
	Anchor    *string  `json:"anchor"`
	Item      *string  `json:"item"`
	Rule      *string  `json:"rule"`
	Rank      *float64 `json:"rank"`
	Variant   *string  `json:"variant"`
	Blob      *string  `json:"blob"`
	Price     *float64 `json:"price"`
	Qty       *float64 `json:"qty"`
	Currency  *string  `json:"currency"`
	Order     *string  `json:"order"`
	Visitor   *string  `json:"visitor"`
}

// FieldError names the event and field that failed.
type FieldError struct {
	Index   int    `json:"index"` // position in the batch
	ID      string `json:"id,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("event %d: field %s: %s", e.Index, e.Field, e.Message)
}
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Batch is the outcome of parsing one POST /v1/events body: the events to
// enqueue and the ones rejected, each with its reason. One bad event does not
// cost the others: the browser drops what was rejected and never retries it.
type Batch struct {
	Events   []Event
	Rejected []FieldError
}

// ParseEvents validates a body {"events":[…]} field by field. now is the
// edge's clock in Unix milliseconds. It fails as a whole only when the body
// is not JSON of that shape or is over a cap.
func ParseEvents(body []byte, now int64, lim EventLimits) (*Batch, error) {
	if lim.MaxBody > 0 && len(body) > lim.MaxBody {
		return nil, errorf(413, "too_large", ErrTooLarge, "body is %d bytes, limit %d", len(body), lim.MaxBody)
	}
	if !utf8.Valid(body) {
		return nil, errorf(400, "bad_json", ErrBadJSON, "body is not valid UTF-8")
	}
	var env struct {
		Events []json.RawMessage `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, errorf(400, "bad_json", ErrBadJSON, "body must be {\"events\":[…]}: %s", jsonMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(400, "bad_json", ErrBadJSON, "unexpected data after the JSON object")
	}
	if env.Events == nil {
		return nil, errorf(400, "bad_json", ErrBadJSON, "field events: missing")
	}
	if len(env.Events) == 0 {
		return nil, errorf(400, "invalid", ErrInvalid, "field events: empty batch")
	}
	if lim.MaxEvents > 0 && len(env.Events) > lim.MaxEvents {
		return nil, errorf(413, "too_many_events", ErrTooLarge, "batch has %d events, limit %d", len(env.Events), lim.MaxEvents)
	}
	b := &Batch{Events: make([]Event, 0, len(env.Events))}
	seen := make(map[string]bool, len(env.Events))
	for i, raw := range env.Events {
		ev, ferr := parseEvent(raw, now, lim)
		if ferr != nil {
			ferr.Index = i
			b.Rejected = append(b.Rejected, *ferr)
			continue
		}
		if seen[ev.ID] { // the same event twice in one batch counts once, like a retry
			continue
		}
		seen[ev.ID] = true
		b.Events = append(b.Events, ev)
	}
	return b, nil
}

func parseEvent(raw json.RawMessage, now int64, lim EventLimits) (Event, *FieldError) {
	var w wireEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		field := "event"
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			field = ute.Field
		} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(f, `"`)
		}
		return Event{}, &FieldError{Field: field, Message: jsonMessage(err)}
	}
	var e Event
	fail := func(field, format string, args ...any) (Event, *FieldError) {
		return Event{}, &FieldError{ID: e.ID, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	var ok bool
	if e.ID, ok = token(w.ID, 8, 64); !ok {
		return fail("id", "want 8 to 64 characters of A-Z a-z 0-9 _ -")
	}
	if w.Type == nil || !oneOf(*w.Type, eventTypes) {
		return fail("type", "want one of %s", strings.Join(eventTypes, ", "))
	}
	e.Type = *w.Type
	if e.Visitor, ok = token(w.Visitor, 8, 64); !ok {
		return fail("visitor", "want a random id of 8 to 64 characters of A-Z a-z 0-9 _ -")
	}
	if w.TS == nil || *w.TS != math.Trunc(*w.TS) {
		return fail("ts", "want Unix milliseconds as an integer")
	}
	ts := int64(*w.TS)
	if ts < now-lim.MaxAge.Milliseconds() || ts > now+lim.MaxAhead.Milliseconds() {
		return fail("ts", "%d is outside [now-%s, now+%s]", ts, lim.MaxAge, lim.MaxAhead)
	}
	e.TS, e.Received = ts, now
	e.Day = time.UnixMilli(ts).UTC().Format(time.DateOnly)

	if w.Placement != nil {
		if !oneOf(*w.Placement, blob.Placements) {
			return fail("placement", "want one of %s", strings.Join(blob.Placements, ", "))
		}
		e.Placement = *w.Placement
	} else if e.Type != TypePurchase {
		return fail("placement", "missing")
	}
	if e.Item, ok = text(w.Item, 128); !ok {
		return fail("item", "want an item id of 1 to 128 printable characters")
	}
	if e.Item == "" {
		return fail("item", "missing")
	}
	if e.Anchor, ok = text(w.Anchor, 128); !ok || e.Anchor == "*" {
		return fail("anchor", "want an item id of at most 128 printable characters")
	}
	if e.Rule, ok = text(w.Rule, 64); !ok {
		return fail("rule", "want at most 64 printable characters")
	}
	if e.Variant, ok = text(w.Variant, 64); !ok {
		return fail("variant", "want at most 64 printable characters")
	}
	if w.Rank != nil {
		if r := *w.Rank; r != math.Trunc(r) || r < 0 || r > 99 {
			return fail("rank", "want an integer from 0 to 99")
		}
		e.Rank = int(*w.Rank)
	}
	if w.Blob != nil && *w.Blob != "" {
		if !isHex(*w.Blob) || len(*w.Blob) > 64 {
			return fail("blob", "want the blob hash (hex, at most 64 characters)")
		}
		e.Blob = *w.Blob
	}
	if w.Price != nil {
		if p := *w.Price; math.IsNaN(p) || p < 0 || p > 1e9 {
			return fail("price", "want a number from 0 to 1e9")
		}
		e.Price = *w.Price
	}
	e.Qty = 1
	if w.Qty != nil {
		if q := *w.Qty; q != math.Trunc(q) || q < 1 || q > 10000 {
			return fail("qty", "want an integer from 1 to 10000")
		}
		e.Qty = int(*w.Qty)
	}
	if w.Currency != nil {
		if c := *w.Currency; len(c) != 3 || strings.ToUpper(c) != c || !isLetters(c) {
			return fail("currency", "want an ISO 4217 code such as EUR")
		}
		e.Currency = *w.Currency
	}
	if e.Order, ok = text(w.Order, 128); !ok {
		return fail("order", "want at most 128 printable characters")
	}
	if e.Type == TypePurchase {
		if e.Order == "" {
			return fail("order", "a purchase needs its order id")
		}
		if w.Price == nil {
			return fail("price", "a purchase needs its price")
		}
	}
	return e, nil
}

// token accepts an id made of URL-safe characters only.
func token(s *string, min, max int) (string, bool) {
	if s == nil || len(*s) < min || len(*s) > max {
		return "", false
	}
	for i := 0; i < len(*s); i++ {
		c := (*s)[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", false
		}
	}
	return *s, true
}

// text accepts an optional printable string: valid UTF-8, no control or
// format characters (no NUL, newline, bidi overrides), at most max bytes.
func text(s *string, max int) (string, bool) {
	if s == nil {
		return "", true
	}
	if len(*s) > max || !utf8.ValidString(*s) {
		return "", false
	}
	for _, r := range *s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x200b && r <= 0x200f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0xfeff || r == utf8.RuneError {
			return "", false
		}
	}
	return *s, true
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// jsonMessage shortens encoding/json's errors for a client.
func jsonMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d: %s", se.Offset, se.Error())
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("field %s: want %s, got %s", ute.Field, ute.Type, ute.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
