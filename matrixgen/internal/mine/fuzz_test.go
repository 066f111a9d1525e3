package mine

import (
	"errors"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// basketsFromBytes decodes fuzz input: byte 0 is the item count, byte 1 the
// options; then each byte is an item (item numbers past the count are kept
// on purpose, to exercise validation) and 0xff ends an order.
func basketsFromBytes(data []byte) (*Baskets, Options) {
	b := &Baskets{Off: []uint32{0}}
	opt := Options{Mining: blob.Mining{Neighbours: 3, TriplePairs: 5}}
	if len(data) < 2 {
		return b, opt
	}
	b.NItems = int(data[0] % 40)
	o := data[1]
	opt.MinCount = 1 + int(o&3)
	opt.TripleMin = 1 + int(o>>2&3)
	opt.Workers = 1 + int(o>>4&3)
	if o&0x40 != 0 {
		opt.HalfLifeDays = 30
	}
	opt.NoTriples = o&0x80 != 0
	for i, c := range data[2:] {
		if c == 0xff {
			b.Off = append(b.Off, uint32(len(b.Items)))
			b.Time = append(b.Time, int64(1_700_000_000+i*86400))
			continue
		}
		b.Items = append(b.Items, uint32(c%48))
	}
	b.Off = append(b.Off, uint32(len(b.Items)))
	b.Time = append(b.Time, 1_700_000_000)
	return b, opt
}

// FuzzMine: Mine never panics; it either rejects the baskets with ErrBaskets
// or returns exactly what the brute-force reference computes, in columns
// the blob accepts.
func FuzzMine(f *testing.F) {
	f.Add([]byte{5, 0, 0, 1, 2, 0xff, 0, 1, 0xff, 1, 2, 0xff, 0, 1, 2, 3})
	f.Add([]byte{3, 0xc3, 0, 0, 0, 0xff, 0xff, 2, 2})
	f.Add([]byte{10, 0x15, 9, 8, 7, 0xff, 9, 8, 0xff, 9, 7, 0xff, 8, 7, 0xff, 9, 8, 7})
	f.Add([]byte{2, 0, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4000 {
			return
		}
		b, opt := basketsFromBytes(data)
		res, err := Mine(b, opt)
		if err != nil {
			if !errors.Is(err, ErrBaskets) {
				t.Fatalf("unexpected error %v", err)
			}
			for _, x := range b.Items {
				if int(x) >= b.NItems {
					return // rightly rejected
				}
			}
			t.Fatalf("valid baskets rejected: %v", err)
		}
		checkAgainstBrute(t, b, opt, res)
		if err := encodes(b.NItems, res); err != nil {
			t.Fatal(err)
		}
	})
}
