package blob

import (
	"strconv"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// unixRFC3339 formats Unix seconds; it converts a given time and never reads
// the clock.
func unixRFC3339(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }
