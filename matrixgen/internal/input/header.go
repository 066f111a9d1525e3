package input

import (
	"errors"
	"io"
	"strings"
)

// column describes one column a reader knows: its canonical name, the other
// names shops use for it, and whether it is required.
type column struct {
	name     string
	aliases  []string
	required bool
}

// header maps canonical column names to field indexes.
type header struct {
	idx   map[string]int
	names []string // canonical name per field, "" when ignored
	n     int
}

func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// readHeader reads the header record and matches it against cols. Unknown
// columns are ignored with a warning; a repeated or missing required column
// is an error.
func readHeader(c *csvReader, cols []column, ws *Warnings) (header, error) {
	rec, err := c.read()
	if errors.Is(err, io.EOF) {
		return header{}, &Error{File: c.file, Err: errf(ErrEmpty, "the file is empty (want a header line: %s)", wantColumns(cols))}
	}
	if err != nil {
		return header{}, err
	}
	h := header{idx: map[string]int{}, names: make([]string, len(rec)), n: len(rec)}
	for i, f := range rec {
		n := normName(string(f))
		canon := ""
		for _, col := range cols {
			if n == col.name || contains(col.aliases, n) {
				canon = col.name
				break
			}
		}
		if canon == "" {
			ws.Add(c.file, "unknown column ignored", string(f))
			continue
		}
		if j, dup := h.idx[canon]; dup {
			return header{}, &Error{File: c.file, Line: c.line, Column: c.cols[i], Field: canon,
				Err: errf(ErrDuplicate, "column %q repeats column %d (%q)", f, j+1, string(rec[j]))}
		}
		h.idx[canon] = i
		h.names[i] = canon
	}
	for _, col := range cols {
		if _, ok := h.idx[col.name]; col.required && !ok {
			return header{}, &Error{File: c.file, Line: c.line, Field: col.name,
				Err: errf(ErrMissingColumn, "no %q column in the header (want at least: %s)", col.name, wantColumns(cols))}
		}
	}
	return h, nil
}

func wantColumns(cols []column) string {
	var req []string
	for _, c := range cols {
		if c.required {
			req = append(req, c.name)
		}
	}
	return strings.Join(req, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// has reports whether the header has the column.
func (h header) has(name string) bool { _, ok := h.idx[name]; return ok }

// pos is the column's field index, or -1 when the header lacks it.
func (h header) pos(name string) int {
	if i, ok := h.idx[name]; ok {
		return i
	}
	return -1
}

// get returns the field of the column in rec, or nil when absent or short.
func (h header) get(rec [][]byte, name string) []byte {
	i, ok := h.idx[name]
	if !ok || i >= len(rec) {
		return nil
	}
	return rec[i]
}

// fieldErr positions an error on the column's field of the current record.
func (h header) fieldErr(c *csvReader, name string, err error) error {
	col := 0
	if i, ok := h.idx[name]; ok && i < len(c.cols) {
		col = c.cols[i]
	}
	return &Error{File: c.file, Line: c.line, Column: col, Field: name, Err: err}
}

// checkWidth rejects a record with a different number of fields than the header.
// record reads the next data line of a file with header h and checks its
// field count; it returns io.EOF at the end of the file.
func (h *header) record(c *csvReader) ([][]byte, error) {
	rec, err := c.read()
	if err != nil {
		return nil, err
	}
	if len(rec) != h.n {
		return nil, h.checkWidth(c, rec)
	}
	return rec, nil
}

func (h header) checkWidth(c *csvReader, rec [][]byte) error {
	if len(rec) != h.n {
		return &Error{File: c.file, Line: c.line, Column: 1,
			Err: errf(ErrSyntax, "%d fields, the header has %d (quote fields that contain a comma)", len(rec), h.n)}
	}
	return nil
}
