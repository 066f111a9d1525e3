//go:build !linux

package input

func cpuSeconds() float64 { return -1 }
