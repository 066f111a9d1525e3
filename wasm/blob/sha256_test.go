package blob

import (
	"crypto/sha256"
	"testing"
)

func TestSum256MatchesCryptoSHA256(t *testing.T) {
	buf := make([]byte, 1000)
	for i := range buf {
		buf[i] = byte(i*7 + i>>3)
	}
	for n := 0; n <= len(buf); n++ {
		if got, want := sum256(buf[:n]), sha256.Sum256(buf[:n]); got != want {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
	}
	if got := sum256([]byte("abc")); got != sha256.Sum256([]byte("abc")) {
		t.Fatalf("abc: %x", got)
	}
}

func FuzzSum256(f *testing.F) {
	f.Add([]byte("xsell"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if sum256(b) != sha256.Sum256(b) {
			t.Fatalf("differs for %x", b)
		}
	})
}
