//go:build unix && !darwin

package bench

// rssBytes: Linux and the BSDs report ru_maxrss in kilobytes.
func rssBytes(v int64) uint64 { return uint64(v) * 1024 }
