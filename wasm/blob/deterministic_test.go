package blob

import (
	"bytes"
	"testing"
)

// TestEncodeDeterministic: a content-addressed blob must not depend on Go's
// map iteration order (the policy's k and max_price_ratio maps).
func TestEncodeDeterministic(t *testing.T) {
	var first []byte
	for i := 0; i < 20; i++ {
		b := &Blob{Created: 1, Policy: DefaultPolicy()}
		b.Policy.Experiments = Experiments{{Name: "e", Variants: Variants{{Name: "a", Weight: 1, K: PlacementInts{"cart": 2, "product": 4, "email": 3}}, {Name: "b", Weight: 1}}}}
		enc, err := Encode(b, EncodeOptions{Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = enc
		} else if !bytes.Equal(enc, first) {
			t.Fatalf("encoding %d differs from the first", i)
		}
	}
}
