package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// csvReader reads RFC 4180 CSV records without allocating for records that
// have no quotes: fields are sub-slices of bufio's buffer, valid until the
// next read. It checks UTF-8, strips a leading BOM, skips blank lines and
// reports positions like encoding/csv.
type csvReader struct {
	file   string
	r      *bufio.Reader
	sep    byte
	line   int // line where the last record started
	next   int // line number of the next physical line
	fields [][]byte
	cols   []int // 1-based byte column of each field
	buf    []byte
	long   []byte
	ends   []int
	// latin1, when set, reads a line that is not UTF-8 as Latin-1 and counts
	// it in ws instead of failing (the UCI Online Retail file has a few).
	latin1 bool
	ws     *Warnings
	conv   []byte
}

// WarnLatin1 counts lines read as Latin-1 because they were not UTF-8.
const WarnLatin1 = "line not UTF-8, read as Latin-1"

func newCSV(file string, r io.Reader, sep byte) *csvReader {
	return &csvReader{file: file, r: bufio.NewReaderSize(r, 256<<10), sep: sep, next: 1}
}

func (c *csvReader) errAt(line, col int, kind error, format string, args ...any) error {
	return &Error{File: c.file, Line: line, Column: col, Err: errf(kind, format, args...)}
}

// physical returns the next physical line without its line ending.
func (c *csvReader) physical() ([]byte, error) {
	s, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		c.long = append(c.long[:0], s...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(c.long) > MaxLine {
				return nil, c.errAt(c.next, 0, ErrTooLong, "line is longer than %d bytes", MaxLine)
			}
			s, err = c.r.ReadSlice('\n')
			c.long = append(c.long, s...)
		}
		if len(c.long) > MaxLine {
			return nil, c.errAt(c.next, 0, ErrTooLong, "line is longer than %d bytes", MaxLine)
		}
		s = c.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{File: c.file, Line: c.next, Err: err}
	}
	if len(s) == 0 && err != nil {
		return nil, io.EOF
	}
	if c.next == 1 {
		s = bytes.TrimPrefix(s, []byte("\xef\xbb\xbf"))
	}
	c.next++
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
	}
	if n := len(s); n > 0 && s[n-1] == '\r' {
		s = s[:n-1]
	}
	if !utf8.Valid(s) && c.latin1 {
		c.ws.Add(c.file, WarnLatin1, "line "+strconv.Itoa(c.next-1))
		c.conv = c.conv[:0]
		for _, ch := range s {
			c.conv = utf8.AppendRune(c.conv, rune(ch))
		}
		return c.conv, nil
	}
	if !utf8.Valid(s) {
		col := 1
		for len(s) > 0 {
			r, size := utf8.DecodeRune(s)
			if r == utf8.RuneError && size <= 1 {
				break
			}
			s, col = s[size:], col+size
		}
		return nil, c.errAt(c.next-1, col, ErrEncoding, "invalid UTF-8 byte %#02x (save the file as UTF-8)", s[0])
	}
	return s, nil
}

// read returns the next non-blank record; io.EOF at the end.
func (c *csvReader) read() ([][]byte, error) {
	var s []byte
	var err error
	for {
		c.line = c.next
		if s, err = c.physical(); err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(s)) > 0 {
			break
		}
	}
	c.fields, c.cols = c.fields[:0], c.cols[:0]
	if bytes.IndexByte(s, '"') < 0 {
		start := 0
		for i, ch := range s {
			if ch == c.sep {
				c.fields = append(c.fields, s[start:i])
				c.cols = append(c.cols, start+1)
				start = i + 1
			}
		}
		c.fields = append(c.fields, s[start:])
		c.cols = append(c.cols, start+1)
		return c.fields, nil
	}
	return c.quoted(s)
}

// quoted parses a record with quotes, which may span lines.
func (c *csvReader) quoted(s []byte) ([][]byte, error) {
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	pos := 0 // byte offset in the record, for columns
	i := 0
	for {
		c.cols = append(c.cols, pos+i+1)
		if i < len(s) && s[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(s[i:], '"')
				if j < 0 {
					c.buf = append(c.buf, s[i:]...)
					c.buf = append(c.buf, '\n')
					if len(c.buf) > MaxLine {
						return nil, c.errAt(c.line, 0, ErrTooLong, "record is longer than %d bytes", MaxLine)
					}
					pos += len(s) + 1
					var err error
					if s, err = c.physical(); err != nil {
						if errors.Is(err, io.EOF) {
							return nil, c.errAt(c.line, c.cols[len(c.cols)-1], ErrSyntax, "quoted field is never closed")
						}
						return nil, err
					}
					i = 0
					continue
				}
				c.buf = append(c.buf, s[i:i+j]...)
				i += j + 1
				if i < len(s) && s[i] == '"' {
					c.buf = append(c.buf, '"')
					i++
					continue
				}
				break
			}
			if i < len(s) && s[i] != c.sep {
				return nil, c.errAt(c.line, pos+i+1, ErrSyntax, "unexpected %q after a quoted field (want %q or end of line)", s[i], c.sep)
			}
		} else {
			j := i
			for j < len(s) && s[j] != c.sep {
				if s[j] == '"' {
					return nil, c.errAt(c.line, pos+j+1, ErrSyntax, `bare " in an unquoted field (quote the field and double the quote)`)
				}
				j++
			}
			c.buf = append(c.buf, s[i:j]...)
			i = j
		}
		c.ends = append(c.ends, len(c.buf))
		if i >= len(s) {
			break
		}
		i++ // separator
	}
	start := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[start:e])
		start = e
	}
	return c.fields, nil
}
