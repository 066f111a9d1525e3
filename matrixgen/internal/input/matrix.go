package input

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
)

// MatrixRow is one curated pair of matrix.csv. Exactly one of Anchor and
// AnchorCategory is set.
type MatrixRow struct {
	Anchor         string // item id
	AnchorCategory string // from "category:NAME"
	Complement     string
	Kind           blob.Kind
	Reason         string
	Priority       float64
	Discount       float64 // bundle discount in percent
	ValidFrom      int64   // Unix seconds, 0 unbounded
	ValidTo        int64   // Unix seconds (a bare date: its last second), 0 unbounded
	Require        []string
	Exclude        []string
	// Position of the row, for errors that need the catalog (unknown items).
	Line, AnchorColumn, ComplementColumn int
}

// Matrix is the merchandiser's curated table in file order.
type Matrix struct {
	File string
	Rows []MatrixRow
}

var matrixColumns = []column{
	{name: "anchor", aliases: []string{"anchor_id", "item", "item_id"}, required: true},
	{name: "complement", aliases: []string{"complement_id", "suggest", "suggestion"}, required: true},
	{name: "kind", aliases: []string{"type"}},
	{name: "reason", aliases: []string{"text", "message"}},
	{name: "priority"},
	{name: "discount", aliases: []string{"bundle_discount", "discount_pct", "discount_percent"}},
	{name: "valid_from", aliases: []string{"from", "start"}},
	{name: "valid_to", aliases: []string{"to", "until", "end"}},
	{name: "segments_required", aliases: []string{"require", "required", "segments"}},
	{name: "segments_excluded", aliases: []string{"exclude", "excluded"}},
}

// CategoryPrefix marks a category anchor in matrix.csv.
const CategoryPrefix = "category:"

// ReadMatrix reads matrix.csv. Item ids are checked against the catalog
// later, by compile, which names this file and line.
func ReadMatrix(name string, r io.Reader) (*Matrix, Warnings, error) {
	var ws Warnings
	c := newCSV(name, r, ',')
	h, err := readHeader(c, matrixColumns, &ws)
	if err != nil {
		return nil, ws, err
	}
	m := &Matrix{File: name}
	seen := map[[2]string]int{}
	for {
		rec, err := h.record(c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ws, err
		}
		row, err := matrixRow(c, h, rec)
		if err != nil {
			return nil, ws, err
		}
		key := [2]string{row.Anchor + "\x00" + row.AnchorCategory, row.Complement}
		if prev, dup := seen[key]; dup {
			return nil, ws, h.fieldErr(c, "complement", errf(ErrDuplicate, "pair %s → %s is already on line %d", anchorName(row), row.Complement, prev))
		}
		seen[key] = row.Line
		m.Rows = append(m.Rows, row)
	}
	if len(m.Rows) == 0 {
		return nil, ws, &Error{File: name, Err: errf(ErrEmpty, "no curated pairs after the header")}
	}
	return m, ws, nil
}

func anchorName(r MatrixRow) string {
	if r.AnchorCategory != "" {
		return CategoryPrefix + r.AnchorCategory
	}
	return r.Anchor
}

func matrixRow(c *csvReader, h header, rec [][]byte) (MatrixRow, error) {
	row := MatrixRow{Kind: blob.KindComplement, Line: c.line, AnchorColumn: c.cols[h.idx["anchor"]], ComplementColumn: c.cols[h.idx["complement"]]}
	field := func(name string) string { return trim(h.get(rec, name)) }
	bad := func(name string, err error) (MatrixRow, error) { return MatrixRow{}, h.fieldErr(c, name, err) }

	a := field("anchor")
	if cat, ok := strings.CutPrefix(a, CategoryPrefix); ok {
		if row.AnchorCategory = strings.TrimSpace(cat); row.AnchorCategory == "" {
			return bad("anchor", errf(ErrValue, "want a category name after %q", CategoryPrefix))
		}
	} else if row.Anchor = a; a == "" {
		return bad("anchor", errf(ErrValue, "want an item id or category:NAME, got an empty field"))
	}
	if row.Complement = field("complement"); row.Complement == "" {
		return bad("complement", errf(ErrValue, "want an item id, got an empty field"))
	}
	if row.Complement == row.Anchor {
		return bad("complement", errf(ErrValue, "item %q cannot complement itself", row.Anchor))
	}
	if s := field("kind"); s != "" {
		k, ok := blob.ParseKind(strings.ToLower(s))
		if !ok {
			return bad("kind", errf(ErrUnknown, "unknown kind %q (want one of %s)", s, strings.Join(blob.KindNames(), ", ")))
		}
		row.Kind = k
	}
	row.Reason = field("reason")
	if s := field("priority"); s != "" {
		p, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(p) || math.IsInf(p, 0) || math.Abs(p) > 1e6 {
			return bad("priority", errf(ErrValue, "want a number (higher shows first), got %q", s))
		}
		row.Priority = p
	}
	if s := field("discount"); s != "" {
		d, err := parsePercent(s)
		if err != nil {
			return bad("discount", err)
		}
		row.Discount = d
	}
	var err error
	if s := field("valid_from"); s != "" {
		if row.ValidFrom, err = parseDate(s, false); err != nil {
			return bad("valid_from", err)
		}
	}
	if s := field("valid_to"); s != "" {
		if row.ValidTo, err = parseDate(s, true); err != nil {
			return bad("valid_to", err)
		}
	}
	if row.ValidFrom != 0 && row.ValidTo != 0 && row.ValidTo < row.ValidFrom {
		return bad("valid_to", errf(ErrValue, "valid_to %s is before valid_from %s", field("valid_to"), field("valid_from")))
	}
	row.Require = splitList(field("segments_required"))
	row.Exclude = splitList(field("segments_excluded"))
	return row, nil
}
