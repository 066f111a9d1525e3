package bench

// rssBytes: macOS reports ru_maxrss in bytes.
func rssBytes(v int64) uint64 { return uint64(v) }
