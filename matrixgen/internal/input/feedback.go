package input

import (
	"errors"
	"io"
	"math"
)

// FeedbackRow is what shoppers did with suggestions of Item for Anchor
// ("*" for any anchor), as GET /v1/export of the edge writes it.
type FeedbackRow struct {
	Anchor, Item                             string
	Shown, Clicked, Added, Bought, Dismissed uint32
	Line                                     int
}

// Feedback is the acceptance export in file order.
type Feedback struct {
	File string
	Rows []FeedbackRow
}

// AnyAnchor is the anchor of feedback rows that count for every anchor.
const AnyAnchor = "*"

var feedbackColumns = []column{
	{name: "anchor", required: true},
	{name: "item", required: true},
	{name: "shown", required: true},
	{name: "clicked", required: true},
	{name: "added", required: true},
	{name: "bought", required: true},
	{name: "dismissed", required: true},
}

// ReadFeedback reads the CSV export: anchor,item,shown,clicked,added,bought,dismissed.
func ReadFeedback(name string, r io.Reader) (*Feedback, Warnings, error) {
	var ws Warnings
	c := newCSV(name, r, ',')
	h, err := readHeader(c, feedbackColumns, &ws)
	if err != nil {
		return nil, ws, err
	}
	fb := &Feedback{File: name}
	seen := map[[2]string]int{}
	for {
		rec, err := h.record(c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ws, err
		}
		row := FeedbackRow{Anchor: trim(h.get(rec, "anchor")), Item: trim(h.get(rec, "item")), Line: c.line}
		if row.Anchor == "" {
			return nil, ws, h.fieldErr(c, "anchor", errf(ErrValue, "want an item id or %q, got an empty field", AnyAnchor))
		}
		if row.Item == "" {
			return nil, ws, h.fieldErr(c, "item", errf(ErrValue, "want an item id, got an empty field"))
		}
		for _, f := range []struct {
			name string
			dst  *uint32
		}{{"shown", &row.Shown}, {"clicked", &row.Clicked}, {"added", &row.Added}, {"bought", &row.Bought}, {"dismissed", &row.Dismissed}} {
			v, err := parseCount(trim(h.get(rec, f.name)), math.MaxUint32)
			if err != nil {
				return nil, ws, h.fieldErr(c, f.name, err)
			}
			*f.dst = uint32(v)
		}
		key := [2]string{row.Anchor, row.Item}
		if prev, dup := seen[key]; dup {
			return nil, ws, h.fieldErr(c, "item", errf(ErrDuplicate, "pair %s → %s is already on line %d", row.Anchor, row.Item, prev))
		}
		seen[key] = row.Line
		fb.Rows = append(fb.Rows, row)
	}
	return fb, ws, nil
}
