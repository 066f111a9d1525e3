//go:build linux

package mine

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE, the same on every Linux architecture.
const madvHugepage = 14

// hugePages asks Linux to back a large, not yet written slice with 2 MB
// pages. Counting visits records at random across tens of megabytes; with
// 4 KB pages nearly every visit misses the TLB, and in a virtual machine a
// page walk costs hundreds of nanoseconds. Hosts that set transparent huge
// pages to "madvise" (the common default) only use them when asked. Errors
// are ignored: without huge pages the code is only slower.
func hugePages[T any](s []T) {
	var zero T
	n := uintptr(len(s)) * unsafe.Sizeof(zero)
	if n < 4<<20 {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s))
	p := uintptr(base)
	start := (p + 4095) &^ 4095
	end := (p + n) &^ 4095
	if end <= start {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, start-p)), end-start), madvHugepage)
}
