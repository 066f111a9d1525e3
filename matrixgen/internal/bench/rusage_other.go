//go:build !unix

package bench

import (
	"os"
	"time"
)

func cpuTime() time.Duration { return 0 }

func maxRSS() uint64 { return 0 }

func childUsage(ps *os.ProcessState) (time.Duration, uint64) {
	return ps.UserTime() + ps.SystemTime(), 0
}

func loadAverage() string { return "" }
