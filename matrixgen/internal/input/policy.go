package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xsell/xsell/wasm/blob"
)

// MaxPolicy bounds policy.json.
const MaxPolicy = 1 << 20

// ReadPolicy reads policy.json over blob.DefaultPolicy(): fields the file
// leaves out keep their defaults; unknown fields are an error with their
// line and column, and every value is checked for range.
func ReadPolicy(name string, r io.Reader) (blob.Policy, error) {
	p := blob.DefaultPolicy()
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicy+1))
	if err != nil {
		return p, &Error{File: name, Err: err}
	}
	if len(data) > MaxPolicy {
		return p, &Error{File: name, Err: errf(ErrTooLong, "policy is larger than %d bytes", MaxPolicy)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line, col := lineCol(data, invalidAt(data))
		return p, &Error{File: name, Line: line, Column: col, Err: errf(ErrEncoding, "invalid UTF-8 (save the file as UTF-8)")}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return p, &Error{File: name, Err: errf(ErrEmpty, "the file is empty (want a JSON object, e.g. {\"free_delivery\": 50})")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, policyErr(name, data, dec, err)
	}
	if dec.More() {
		line, col := lineCol(data, int(dec.InputOffset()))
		return p, &Error{File: name, Line: line, Column: col, Err: errf(ErrSyntax, "text after the JSON object")}
	}
	if err := checkPolicy(&p); err != nil {
		return p, &Error{File: name, Field: err.field, Err: err.err}
	}
	return p, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func lineCol(data []byte, off int) (int, int) {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(data[:off], '\n')
}

func policyErr(name string, data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, int(syn.Offset)-1) // Offset is just past the bad byte
		return &Error{File: name, Line: line, Column: col, Err: errf(ErrSyntax, "%v", syn)}
	case errors.As(err, &typ):
		line, col := lineCol(data, int(typ.Offset))
		return &Error{File: name, Line: line, Column: col, Field: typ.Field, Err: errf(ErrValue, "want %s, got JSON %s", typ.Type, typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(data, len(data))
		return &Error{File: name, Line: line, Column: col, Err: errf(ErrSyntax, "the JSON ends early")}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		off := int(dec.InputOffset())
		if i := bytes.LastIndex(data[:min(off, len(data))], []byte(`"`+field+`"`)); i >= 0 {
			off = i
		}
		line, col := lineCol(data, off)
		return &Error{File: name, Line: line, Column: col, Field: field, Err: errf(ErrUnknown, "unknown field %q (see docs/matrixgen.md for the policy fields)", field)}
	}
	return &Error{File: name, Err: errf(ErrSyntax, "%v", err)}
}

type policyError struct {
	field string
	err   error
}

// checkPolicy rejects values the engine cannot use.
func checkPolicy(p *blob.Policy) *policyError {
	bad := func(field, format string, args ...any) *policyError {
		return &policyError{field, errf(ErrValue, format, args...)}
	}
	known := func(pl string) bool { return contains(blob.Placements, pl) }
	for pl, k := range p.K {
		if !known(pl) {
			return &policyError{"k", errf(ErrUnknown, "unknown placement %q (want one of %s)", pl, strings.Join(blob.Placements, ", "))}
		}
		if k < 1 || k > 10 {
			return bad("k", "k for %s must be 1..10 (2..4 recommended), got %d", pl, k)
		}
	}
	for pl, r := range p.MaxPriceRatio {
		if !known(pl) {
			return &policyError{"max_price_ratio", errf(ErrUnknown, "unknown placement %q (want one of %s)", pl, strings.Join(blob.Placements, ", "))}
		}
		if !(r > 0 && r <= 1) {
			return bad("max_price_ratio", "ratio for %s must be above 0 and at most 1, got %v", pl, r)
		}
	}
	ratios := []struct {
		name   string
		v      float64
		lo, hi float64
	}{
		{"impulse_price_ratio", p.ImpulsePriceRatio, 0, 1},
		{"upsell_max_ratio", p.UpsellMaxRatio, 1, 10},
		{"downsell_min_ratio", p.DownsellMinRatio, 0, 1},
		{"free_delivery_gap", p.FreeDeliveryGap, 0, 1},
	}
	for _, r := range ratios {
		if !(r.v >= r.lo && r.v <= r.hi) {
			return bad(r.name, "want a number from %v to %v, got %v", r.lo, r.hi, r.v)
		}
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"cheap_exempt", p.CheapExempt}, {"free_delivery", p.FreeDelivery},
		{"weights.evidence", p.Weights.Evidence}, {"weights.curated", p.Weights.Curated}, {"weights.margin", p.Weights.Margin},
		{"weights.acceptance", p.Weights.Acceptance}, {"weights.gap", p.Weights.Gap}, {"weights.shrinkage", p.Weights.Shrinkage},
		{"mining.half_life_days", p.Mining.HalfLifeDays}, {"mining.confidence", p.Mining.Confidence}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) || v.v < 0 {
			return bad(v.name, "want a number of 0 or more, got %v", v.v)
		}
	}
	if err := checkPower("weights.evidence_power", p.Weights.EvidencePower); err != nil {
		return err
	}
	if p.MaxPerCategory < 0 {
		return bad("max_per_category", "want 0 (no limit) or more, got %d", p.MaxPerCategory)
	}
	m := p.Mining
	if m.MinCount < 1 || m.Neighbours < 1 || m.Neighbours > 1000 || m.TripleMin < 1 || m.TriplePairs < 0 {
		return bad("mining", "want min_count ≥ 1, neighbours 1..1000, triple_min ≥ 1, triple_pairs ≥ 0; got %d, %d, %d, %d",
			m.MinCount, m.Neighbours, m.TripleMin, m.TriplePairs)
	}
	for i, e := range p.Exclusions {
		if e.Segment == "" || e.Tag == "" {
			return bad(fmt.Sprintf("exclusions[%d]", i), "want both segment and tag")
		}
	}
	names := map[string]bool{}
	for i, e := range p.Experiments {
		f := fmt.Sprintf("experiments[%d]", i)
		if e.Name == "" || names[e.Name] {
			return bad(f, "want a unique experiment name, got %q", e.Name)
		}
		names[e.Name] = true
		if len(e.Variants) < 2 {
			return bad(f, "experiment %q needs at least two variants", e.Name)
		}
		vn := map[string]bool{}
		for j, v := range e.Variants {
			vf := fmt.Sprintf("%s.variants[%d]", f, j)
			if v.Name == "" || vn[v.Name] {
				return bad(vf, "want a unique variant name, got %q", v.Name)
			}
			vn[v.Name] = true
			if !(v.Weight > 0) || math.IsInf(v.Weight, 0) {
				return bad(vf, "variant %q needs a weight above 0, got %v", v.Name, v.Weight)
			}
			if v.Weights != nil {
				if err := checkPower(vf+".weights.evidence_power", v.Weights.EvidencePower); err != nil {
					return err
				}
			}
			for pl, k := range v.K {
				if !known(pl) || k < 1 || k > 10 {
					return bad(vf, "k for %q must be a known placement with 1..10, got %d", pl, k)
				}
			}
		}
	}
	return nil
}

// checkPower accepts 0 (matrixgen build chooses q; in a variant: the base
// policy's q) or a power the engine uses as given.
func checkPower(field string, q float64) *policyError {
	if q == 0 || (q >= blob.MinEvidencePower && q <= blob.MaxEvidencePower) {
		return nil
	}
	return &policyError{field, errf(ErrValue, "want 0 (chosen by matrixgen build on a validation split of the orders) or a number from %d to %d, got %v",
		blob.MinEvidencePower, blob.MaxEvidencePower, q)}
}
