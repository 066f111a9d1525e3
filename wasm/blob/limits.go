package blob

// Limits bound what a decoder will allocate for bytes it did not write.
type Limits struct {
	MaxRawBytes uint64 // uncompressed body
	MaxItems    int
	MaxPairs    int
	MaxStrings  int
	MaxRows     int // matrix, triple and feedback rows each
}

// DefaultLimits are generous for a large shop and small enough for a tab.
var DefaultLimits = Limits{
	MaxRawBytes: 512 << 20,
	MaxItems:    2_000_000,
	MaxPairs:    64_000_000,
	MaxStrings:  8_000_000,
	MaxRows:     16_000_000,
}

// checkLimits bounds the counts a body declares before any column is unpacked.
func (w *wireBody) checkLimits(l Limits) error {
	pairs := len(w.PairTo) / 4
	if len(w.ShardFrom) > 0 && len(w.PairOff) >= 4 {
		// A sharded head: the rows are elsewhere, but the engine makes room
		// for all of them (pair_off's last entry).
		o := w.PairOff[len(w.PairOff)-4:]
		pairs = int(uint32(o[0]) | uint32(o[1])<<8 | uint32(o[2])<<16 | uint32(o[3])<<24)
	}
	for _, c := range []struct {
		what   string
		n, max int
	}{
		{"items", w.NItems, l.MaxItems},
		{"strings", len(w.Strings), l.MaxStrings},
		{"pairs", pairs, l.MaxPairs},
		{"triple rows", len(w.TriA) / 4, l.MaxRows},
		{"triple consequents", len(w.TriTo) / 4, l.MaxPairs},
		{"matrix rows", len(w.MxComplement) / 4, l.MaxRows},
		{"feedback rows", len(w.FbItem) / 4, l.MaxRows},
	} {
		if c.n > c.max {
			return Wrap(ErrLimit, Itoa(c.n)+" "+c.what+", limit "+Itoa(c.max))
		}
	}
	return nil
}
