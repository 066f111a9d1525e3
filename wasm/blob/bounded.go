//go:build !xsell_lite

package blob

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// The policy is small, but its maps and slices are sized by lengths read from
// hostile bytes, and msgpack pre-allocates from those lengths (up to 1e6 map
// entries; slices of structs without any cap). These types decode through
// a bound instead.

// maxPolicyEntries bounds every map and list inside the policy.
const maxPolicyEntries = 256

// PlacementInts maps a placement to an integer (k per placement).
type PlacementInts map[string]int

// PlacementFloats maps a placement to a number (price ratio per placement).
type PlacementFloats map[string]float64

// Exclusions is a bounded list of segment exclusions.
type Exclusions []Exclusion

// Experiments is a bounded list of experiments.
type Experiments []Experiment

// Variants is a bounded list of experiment variants.
type Variants []Variant

func boundedLen(n int, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if n > maxPolicyEntries {
		return 0, fmt.Errorf("%w: policy map has %d entries, limit %d", ErrLimit, n, maxPolicyEntries)
	}
	return n, nil
}

func (m *PlacementInts) DecodeMsgpack(d *msgpack.Decoder) error {
	n, err := boundedLen(d.DecodeMapLen())
	if err != nil || n < 0 {
		*m = nil
		return err
	}
	out := make(PlacementInts, n)
	for i := 0; i < n; i++ {
		k, err := d.DecodeString()
		if err != nil {
			return err
		}
		if out[k], err = d.DecodeInt(); err != nil {
			return err
		}
	}
	*m = out
	return nil
}

func (m *PlacementFloats) DecodeMsgpack(d *msgpack.Decoder) error {
	n, err := boundedLen(d.DecodeMapLen())
	if err != nil || n < 0 {
		*m = nil
		return err
	}
	out := make(PlacementFloats, n)
	for i := 0; i < n; i++ {
		k, err := d.DecodeString()
		if err != nil {
			return err
		}
		if out[k], err = d.DecodeFloat64(); err != nil {
			return err
		}
	}
	*m = out
	return nil
}

// decodeList decodes a bounded msgpack array element by element.
func decodeList[T any](d *msgpack.Decoder, what string) ([]T, error) {
	n, err := d.DecodeArrayLen()
	if err != nil || n < 0 {
		return nil, err
	}
	if n > maxPolicyEntries {
		return nil, fmt.Errorf("%w: policy %s has %d entries, limit %d", ErrLimit, what, n, maxPolicyEntries)
	}
	out := make([]T, n)
	for i := range out {
		if err := d.Decode(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Exclusions) DecodeMsgpack(d *msgpack.Decoder) (err error) {
	*s, err = decodeList[Exclusion](d, "exclusions")
	return err
}

func (s *Experiments) DecodeMsgpack(d *msgpack.Decoder) (err error) {
	*s, err = decodeList[Experiment](d, "experiments")
	return err
}

func (s *Variants) DecodeMsgpack(d *msgpack.Decoder) (err error) {
	*s, err = decodeList[Variant](d, "variants")
	return err
}
