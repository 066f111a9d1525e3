package blob

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// TestWrapReadsAsFmt: the errors built without fmt read as fmt.Errorf's
// did, and errors.Is still finds their sentinel.
func TestWrapReadsAsFmt(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want error
	}{
		{"ints", Wrap(ErrCorrupt, "column x has "+Itoa(-3)+" entries, want "+Itoa(int32(7))), fmt.Errorf("%w: column x has %d entries, want %d", ErrCorrupt, -3, int32(7))},
		{"unsigned", Wrap(ErrLimit, Utoa(uint64(1<<63))+" "+Utoa(uint16(9))+" "+Utoa(Role(3))), fmt.Errorf("%w: %d %d %d", ErrLimit, uint64(1<<63), uint16(9), Role(3))},
		{"hex", Wrap(ErrCorrupt, "unknown flags "+Hex(uint32(0xbeef))+" "+Hex(byte(0))), fmt.Errorf("%w: unknown flags %#x %#x", ErrCorrupt, uint32(0xbeef), byte(0))},
		{"float64", Wrap(ErrCorrupt, Ftoa(-0.5)+" "+Ftoa(1e21)+" "+Ftoa(math.NaN())+" "+Ftoa(math.Inf(-1))+" "+Ftoa(2.5e-7)), fmt.Errorf("%w: %v %v %v %v %v", ErrCorrupt, -0.5, 1e21, math.NaN(), math.Inf(-1), 2.5e-7)},
		{"float32", Wrap(ErrCorrupt, Ftoa32(float32(0.1))+" "+Ftoa32(float32(1e30))), fmt.Errorf("%w: %v %v", ErrCorrupt, float32(0.1), float32(1e30))},
		{"prefix", &Wrapped{Prefix: string([]byte("weights")) + ": ", Base: ErrCorrupt}, fmt.Errorf("%s: %w", []byte("weights"), ErrCorrupt)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got.Error() != tc.want.Error() {
				t.Fatalf("%q, fmt says %q", tc.got.Error(), tc.want.Error())
			}
			if !errors.Is(tc.got, errors.Unwrap(tc.want)) {
				t.Fatalf("errors.Is does not find %v in %v", errors.Unwrap(tc.want), tc.got)
			}
		})
	}
}
