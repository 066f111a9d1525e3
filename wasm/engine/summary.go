package engine

// Summary is a suggestion with names instead of numbers: what the edge
// worker answers as JSON, what golden files and the JS bridge tests compare.
type Summary struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Rule     string    `json:"rule"`
	Reason   string    `json:"reason"`
	Anchor   string    `json:"anchor,omitempty"`
	Fallback bool      `json:"fallback,omitempty"`
	Gap      bool      `json:"closes_gap,omitempty"`
	Evidence *Evidence `json:"evidence,omitempty"`
	Discount float32   `json:"discount,omitempty"`
}

// Summarize names the suggestions of list (it allocates: not for hot paths).
func (e *Engine) Summarize(list []Suggestion) []Summary {
	out := make([]Summary, 0, len(list))
	for i := range list {
		s := &list[i]
		sm := Summary{ID: e.b.Items.ID[s.Item], Kind: s.Kind.String(), Rule: s.Rule.String(), Reason: e.Reason(s),
			Fallback: s.Fallback, Gap: s.ClosesGap, Discount: s.Discount}
		if s.Anchor >= 0 {
			sm.Anchor = e.b.Items.ID[s.Anchor]
		}
		if s.Evidence.NAB > 0 {
			ev := s.Evidence
			sm.Evidence = &ev
		}
		out = append(out, sm)
	}
	return out
}
