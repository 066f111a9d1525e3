package engine

import "github.com/xsell/xsell/wasm/blob"

// HashVisitor hashes a visitor id for A/B assignment (64-bit FNV-1a). The
// browser and the edge hash the same UTF-8 bytes, so a visitor lands in the
// same variant everywhere.
func HashVisitor(id string) uint64 { return hashBytes(id) }

func hashBytes[T string | []byte](b T) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1 // 0 means "no visitor" in Context
	}
	return h
}

// mix is the splitmix64 finaliser: it spreads visitor × experiment over
// 64 bits so that experiments split visitors independently.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pick returns the variant index of a visitor hash, by weight.
func (x *experiment) pick(visitor uint64) int {
	u := float64(mix(visitor^x.salt)>>11) / (1 << 53) * x.cum[len(x.cum)-1]
	for i, c := range x.cum {
		if u < c {
			return i
		}
	}
	return len(x.cum) - 1
}

// Variant returns the variant of experiment the visitor belongs to, by a
// deterministic hash of the visitor id and the experiment name; ok is false
// when the blob's policy has no such experiment (or visitorID is empty).
func (e *Engine) Variant(visitorID, experiment string) (v *blob.Variant, ok bool) {
	if visitorID == "" {
		return nil, false
	}
	for i := range e.exps {
		x := &e.exps[i]
		if x.name == experiment {
			for _, px := range e.b.Policy.Experiments {
				if px.Name == experiment {
					return &px.Variants[x.pick(HashVisitor(visitorID))], true
				}
			}
		}
	}
	return nil, false
}

// Assignment is a visitor's variant in one experiment.
type Assignment struct {
	Experiment string `json:"experiment"`
	Variant    string `json:"variant"`
	Holdout    bool   `json:"holdout"`
}

// Assignments appends the visitor's variant in every experiment of the
// policy, in policy order.
func (e *Engine) Assignments(visitor uint64, dst []Assignment) []Assignment {
	if visitor == 0 {
		return dst
	}
	for i := range e.exps {
		x := &e.exps[i]
		v := x.pick(visitor)
		dst = append(dst, Assignment{Experiment: x.name, Variant: x.names[v], Holdout: x.tunings[v].off})
	}
	return dst
}

// VariantLabel is the visitor's variants as events name them: "" without
// experiments, the variant's name with one, "experiment=variant,…" in policy
// order with several. web/xsell.js's variant() gives the same label from
// Assignments, so an answer from the edge and one from the page's core tag
// their events alike.
func (e *Engine) VariantLabel(visitor uint64) string {
	if visitor == 0 || len(e.exps) == 0 {
		return ""
	}
	if len(e.exps) == 1 {
		x := &e.exps[0]
		return x.names[x.pick(visitor)]
	}
	var b []byte
	for i := range e.exps {
		x := &e.exps[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, x.name...)
		b = append(b, '=')
		b = append(b, x.names[x.pick(visitor)]...)
	}
	return string(b)
}
