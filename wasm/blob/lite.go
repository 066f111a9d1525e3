package blob

import (
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"unsafe"
)

// A small msgpack reader for the body, for the browser build (build tag
// xsell_lite, see decode_lite.go): it reads exactly what Encode writes
// (maps keyed by the msgpack tags, columns as bin, text as arrays of str)
// without the msgpack library, whose reflection tables cost the browser
// ~1.5 MB of wasm and most of the load time. Columns stay sub-slices of
// the body (no copy before fromWire unpacks them). It is compiled in every
// build so that its tests compare it with the msgpack decoder.

// liteMaxDepth bounds nesting (the body is at most 4 deep).
const liteMaxDepth = 16

// liteMaxEntries bounds maps and lists of structs (only the policy has
// them), like bounded.go does for the msgpack decoder.
const liteMaxEntries = 256

type liteReader struct {
	b []byte
	p int
	// alias: b is never changed again (DecodeOwned), so strings may point
	// into it instead of being copied out one by one.
	alias bool
}

func liteErr(msg string) error { return Wrap(ErrCorrupt, "msgpack: "+msg) }

// decodeWireLite decodes a raw body into a wireBody. With alias set, the
// caller never changes raw again: strings and columns stay in it.
func decodeWireLite(raw []byte, alias bool) (*wireBody, error) {
	r := &liteReader{b: raw, alias: alias}
	var w wireBody
	if err := r.value(reflect.ValueOf(&w).Elem(), 0); err != nil {
		return nil, err
	}
	w.alias = alias
	return &w, nil
}

// str makes a string of b: a view of the body when it is never changed
// again, else a copy.
func (r *liteReader) str(b []byte) string {
	if r.alias && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

func (r *liteReader) need(n int) error {
	if n < 0 || n > len(r.b)-r.p {
		return liteErr(Itoa(n) + " bytes wanted at offset " + Itoa(r.p) + ", " + Itoa(len(r.b)-r.p) + " left")
	}
	return nil
}

func (r *liteReader) u8() (byte, error) {
	if err := r.need(1); err != nil {
		return 0, err
	}
	c := r.b[r.p]
	r.p++
	return c, nil
}

func (r *liteReader) uint(n int) (uint64, error) {
	if err := r.need(n); err != nil {
		return 0, err
	}
	var v uint64
	switch n {
	case 1:
		v = uint64(r.b[r.p])
	case 2:
		v = uint64(binary.BigEndian.Uint16(r.b[r.p:]))
	case 4:
		v = uint64(binary.BigEndian.Uint32(r.b[r.p:]))
	case 8:
		v = binary.BigEndian.Uint64(r.b[r.p:])
	}
	r.p += n
	return v, nil
}

// isNil consumes a nil if one is next.
func (r *liteReader) isNil() bool {
	if r.p < len(r.b) && r.b[r.p] == 0xc0 {
		r.p++
		return true
	}
	return false
}

// length reads a container or string header; kind is 'm' map, 'a' array, 's' str or bin.
func (r *liteReader) length(kind byte) (int, error) {
	c, err := r.u8()
	if err != nil {
		return 0, err
	}
	var n uint64
	switch {
	case kind == 'm' && c >= 0x80 && c <= 0x8f:
		n = uint64(c & 0x0f)
	case kind == 'm' && c == 0xde:
		n, err = r.uint(2)
	case kind == 'm' && c == 0xdf:
		n, err = r.uint(4)
	case kind == 'a' && c >= 0x90 && c <= 0x9f:
		n = uint64(c & 0x0f)
	case kind == 'a' && c == 0xdc:
		n, err = r.uint(2)
	case kind == 'a' && c == 0xdd:
		n, err = r.uint(4)
	case kind == 's' && c >= 0xa0 && c <= 0xbf:
		n = uint64(c & 0x1f)
	case kind == 's' && (c == 0xd9 || c == 0xc4):
		n, err = r.uint(1)
	case kind == 's' && (c == 0xda || c == 0xc5):
		n, err = r.uint(2)
	case kind == 's' && (c == 0xdb || c == 0xc6):
		n, err = r.uint(4)
	default:
		return 0, liteErr("unexpected byte " + Hex(c) + " at offset " + Itoa(r.p-1))
	}
	if err != nil {
		return 0, err
	}
	// Every element takes at least one byte: a count over what is left is a lie.
	if n > uint64(len(r.b)-r.p) {
		return 0, liteErr("length " + Utoa(n) + " at offset " + Itoa(r.p) + ", " + Itoa(len(r.b)-r.p) + " bytes left")
	}
	return int(n), nil
}

func (r *liteReader) bytes() ([]byte, error) {
	if r.isNil() {
		return nil, nil
	}
	n, err := r.length('s')
	if err != nil {
		return nil, err
	}
	s := r.b[r.p : r.p+n : r.p+n]
	r.p += n
	return s, nil
}

// number reads any msgpack number as int64 and float64.
func (r *liteReader) number() (int64, float64, error) {
	c, err := r.u8()
	if err != nil {
		return 0, 0, err
	}
	switch {
	case c <= 0x7f:
		return int64(c), float64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), float64(int8(c)), nil
	case c == 0xc0:
		return 0, 0, nil
	case c >= 0xcc && c <= 0xcf:
		v, err := r.uint(1 << (c - 0xcc))
		return int64(v), float64(v), err
	case c >= 0xd0 && c <= 0xd3:
		n := 1 << (c - 0xd0)
		v, err := r.uint(n)
		var i int64
		switch n {
		case 1:
			i = int64(int8(v))
		case 2:
			i = int64(int16(v))
		case 4:
			i = int64(int32(v))
		default:
			i = int64(v)
		}
		return i, float64(i), err
	case c == 0xca:
		v, err := r.uint(4)
		f := float64(math.Float32frombits(uint32(v)))
		return int64(f), f, err
	case c == 0xcb:
		v, err := r.uint(8)
		f := math.Float64frombits(v)
		return int64(f), f, err
	}
	return 0, 0, liteErr("want a number, got byte " + Hex(c) + " at offset " + Itoa(r.p-1))
}

// skip passes over one value of any type.
func (r *liteReader) skip(depth int) error {
	if depth > liteMaxDepth {
		return liteErr("nesting over " + Itoa(liteMaxDepth))
	}
	if err := r.need(1); err != nil {
		return err
	}
	c := r.b[r.p]
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		r.p++
		return nil
	case (c >= 0xcc && c <= 0xd3) || c == 0xca || c == 0xcb:
		_, _, err := r.number()
		return err
	case (c >= 0xa0 && c <= 0xbf) || c == 0xd9 || c == 0xda || c == 0xdb || c == 0xc4 || c == 0xc5 || c == 0xc6:
		_, err := r.bytes()
		return err
	case (c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd:
		n, err := r.length('a')
		for i := 0; i < n && err == nil; i++ {
			err = r.skip(depth + 1)
		}
		return err
	case (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf:
		n, err := r.length('m')
		for i := 0; i < 2*n && err == nil; i++ {
			err = r.skip(depth + 1)
		}
		return err
	}
	return liteErr("unsupported type byte " + Hex(c) + " at offset " + Itoa(r.p))
}

// value decodes into v by its Go type, structs by their msgpack tags.
func (r *liteReader) value(v reflect.Value, depth int) error {
	if depth > liteMaxDepth {
		return liteErr("nesting over " + Itoa(liteMaxDepth))
	}
	switch v.Kind() {
	case reflect.Struct:
		if r.isNil() {
			v.SetZero()
			return nil
		}
		n, err := r.length('m')
		if err != nil {
			return err
		}
		t := v.Type()
		for i := 0; i < n; i++ {
			key, err := r.bytes()
			if err != nil {
				return err
			}
			f := -1
			for j := 0; j < t.NumField(); j++ {
				tag, _, _ := strings.Cut(t.Field(j).Tag.Get("msgpack"), ",")
				if tag != "-" && tag != "" && tag == string(key) {
					f = j
					break
				}
			}
			if f < 0 {
				if err := r.skip(depth + 1); err != nil {
					return err
				}
				continue
			}
			if err := r.value(v.Field(f), depth+1); err != nil {
				return &Wrapped{Prefix: string(key) + ": ", Base: err}
			}
		}
		return nil
	case reflect.Pointer:
		if r.isNil() {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := r.value(p.Elem(), depth+1); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Map:
		if r.isNil() {
			v.SetZero()
			return nil
		}
		n, err := r.length('m')
		if err != nil {
			return err
		}
		if n > liteMaxEntries {
			return Wrap(ErrLimit, "map of "+Itoa(n)+" entries, limit "+Itoa(liteMaxEntries))
		}
		if v.Type().Key().Kind() != reflect.String {
			return liteErr("map key type " + v.Type().Key().String())
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := 0; i < n; i++ {
			key, err := r.bytes()
			if err != nil {
				return err
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if err := r.value(e, depth+1); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(string(key)).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b, err := r.bytes()
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		if r.isNil() {
			v.SetZero()
			return nil
		}
		n, err := r.length('a')
		if err != nil {
			return err
		}
		if k := v.Type().Elem().Kind(); (k == reflect.Struct || k == reflect.Map || k == reflect.Pointer) && n > liteMaxEntries {
			return Wrap(ErrLimit, "list of "+Itoa(n)+" entries, limit "+Itoa(liteMaxEntries))
		}
		var s reflect.Value
		if v.Type().Elem().Kind() == reflect.String { // the big text columns: no reflection per entry
			ss := make([]string, n)
			for i := range ss {
				b, err := r.bytes()
				if err != nil {
					return err
				}
				ss[i] = r.str(b)
			}
			s = reflect.ValueOf(ss).Convert(v.Type())
		} else {
			s = reflect.MakeSlice(v.Type(), n, n)
			for i := 0; i < n; i++ {
				if err := r.value(s.Index(i), depth+1); err != nil {
					return err
				}
			}
		}
		v.Set(s)
		return nil
	case reflect.String:
		b, err := r.bytes()
		if err != nil {
			return err
		}
		v.SetString(r.str(b))
		return nil
	case reflect.Bool:
		c, err := r.u8()
		if err != nil {
			return err
		}
		switch c {
		case 0xc2, 0xc0:
			v.SetBool(false)
		case 0xc3:
			v.SetBool(true)
		default:
			return liteErr("want a bool, got byte " + Hex(c))
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, _, err := r.number()
		if err == nil {
			if v.OverflowInt(i) {
				return liteErr(Itoa(i) + " overflows " + v.Type().String())
			}
			v.SetInt(i)
		}
		return err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, _, err := r.number()
		if err == nil {
			if i < 0 || v.OverflowUint(uint64(i)) {
				return liteErr(Itoa(i) + " overflows " + v.Type().String())
			}
			v.SetUint(uint64(i))
		}
		return err
	case reflect.Float32, reflect.Float64:
		_, f, err := r.number()
		if err == nil {
			v.SetFloat(f)
		}
		return err
	}
	return liteErr("cannot decode into " + v.Type().String())
}
