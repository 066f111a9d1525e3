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
