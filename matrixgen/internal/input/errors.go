// Package input reads the files a shop feeds matrixgen: catalog.csv,
// orders (long form, one basket per line, or UCI Online Retail), the curated
// matrix.csv, the feedback export of the edge and policy.json. Every reader
// names the file, line, column and field of bad input, and counts the rows
// it skips on purpose as warnings.
package input

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of input error; test with errors.Is. An *Error wraps one of them.
var (
	// ErrSyntax: the file is not well-formed CSV or JSON.
	ErrSyntax = errors.New("input: malformed file")
	// ErrEncoding: the file is not UTF-8.
	ErrEncoding = errors.New("input: not UTF-8")
	// ErrEmpty: the file has no header or no rows.
	ErrEmpty = errors.New("input: empty file")
	// ErrMissingColumn: a required column is absent from the header.
	ErrMissingColumn = errors.New("input: missing column")
	// ErrDuplicate: an id or column appears twice.
	ErrDuplicate = errors.New("input: duplicate")
	// ErrValue: a field does not hold what its column needs.
	ErrValue = errors.New("input: bad value")
	// ErrUnknown: a name (role, kind, item, field) is not one we know.
	ErrUnknown = errors.New("input: unknown name")
	// ErrTooLong: a line or field is longer than MaxLine.
	ErrTooLong = errors.New("input: line too long")
)

// MaxLine bounds one CSV record, so a file without newlines cannot exhaust memory.
const MaxLine = 1 << 20

// Error is a positioned input error, like encoding/csv's ParseError: it
// names the file, the 1-based line and byte column, the field (column name)
// and what was expected.
type Error struct {
	File   string
	Line   int // 1-based; 0 when the error is about the whole file
	Column int // 1-based byte column; 0 when unknown
	Field  string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// detail is a message that matches one of the sentinel errors above without
// repeating its text.
type detail struct {
	kind error
	msg  string
}

func (d *detail) Error() string { return d.msg }
func (d *detail) Unwrap() error { return d.kind }

func errf(kind error, format string, args ...any) error {
	return &detail{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Warning is a kind of row skipped or value ignored on purpose, counted.
type Warning struct {
	File    string
	What    string // what was skipped and why
	Count   int
	Example string // the first occurrence, e.g. "line 12: POST"
}

func (w Warning) String() string {
	s := fmt.Sprintf("%s: %s: %d", w.File, w.What, w.Count)
	if w.Example != "" {
		s += " (first: " + w.Example + ")"
	}
	return s
}

// Warnings lists counted warnings in the order they first happened.
type Warnings []Warning

// Add counts one occurrence of what in file; the first example is kept.
func (ws *Warnings) Add(file, what, example string) { ws.AddN(file, what, example, 1) }

// AddN counts n occurrences.
func (ws *Warnings) AddN(file, what, example string, n int) {
	if n <= 0 {
		return
	}
	for i := range *ws {
		if w := &(*ws)[i]; w.File == file && w.What == what {
			w.Count += n
			return
		}
	}
	*ws = append(*ws, Warning{File: file, What: what, Count: n, Example: example})
}

// Count returns how many times what was counted (any file).
func (ws Warnings) Count(what string) int {
	n := 0
	for _, w := range ws {
		if w.What == what {
			n += w.Count
		}
	}
	return n
}

// Errorf makes an error of one of the kinds above (errors.Is matches it)
// whose message is only the formatted text; other packages use it to build
// positioned errors about input files, e.g. a curated pair naming an item
// the catalog lacks.
func Errorf(kind error, format string, args ...any) error { return errf(kind, format, args...) }
