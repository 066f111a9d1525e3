package blob

import "strconv"

// The browser build links no fmt (~300 KB of raw wasm, 62 KB brotli, in a
// build that has reflect anyway): the errors the decoders return wrap their
// sentinel with text built from strings, as fmt.Errorf("%w: …") would.

// Wrapped is an error that adds text before and after Base; errors.Is and
// errors.As see Base.
type Wrapped struct {
	Prefix string
	Base   error
	Suffix string
}

func (e *Wrapped) Error() string { return e.Prefix + e.Base.Error() + e.Suffix }

func (e *Wrapped) Unwrap() error { return e.Base }

// Wrap is fmt.Errorf("%w: "+msg, base) without fmt.
func Wrap(base error, msg string) error { return &Wrapped{Base: base, Suffix: ": " + msg} }

// Itoa and friends format numbers as fmt's %d, %#x and %v do.
func Itoa[T ~int | ~int8 | ~int16 | ~int32 | ~int64](v T) string {
	return strconv.FormatInt(int64(v), 10)
}

func Utoa[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr](v T) string {
	return strconv.FormatUint(uint64(v), 10)
}

func Hex[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64](v T) string {
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// Ftoa is %v of a float64; Ftoa32 of a float32.
func Ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func Ftoa32(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }
