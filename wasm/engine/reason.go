package engine

import (
	"math"
	"strconv"

	"github.com/xsell/xsell/wasm/blob"
)

// AppendReason appends the text a shopper sees for s: the curated reason,
// or one generated from the evidence ("bought together in 312 orders, 4.1×
// more often than chance"). It does not allocate when dst has room.
// The text of pairs and triples depends on the rule, n_AB and the lift
// alone: AppendSuggestions flags it so (FlagReasonByEvidence) and the page
// reuses it; keep it so, or drop the flag for what changes.
func (e *Engine) AppendReason(dst []byte, s *Suggestion) []byte {
	if s.Reason != 0 {
		return append(dst, e.b.Str(s.Reason)...)
	}
	it := &e.b.Items
	switch s.Rule {
	case RulePairs, RuleTriple:
		if s.Rule == RuleTriple {
			dst = append(dst, "bought with these together in "...)
		} else {
			dst = append(dst, "bought together in "...)
		}
		dst = strconv.AppendUint(dst, uint64(s.Evidence.NAB), 10)
		if s.Evidence.NAB == 1 {
			dst = append(dst, " order"...)
		} else {
			dst = append(dst, " orders"...)
		}
		if l := float64(s.Evidence.Lift); l >= 1.1 && !math.IsInf(l, 0) {
			dst = append(dst, ", "...)
			dst = appendTenths(dst, l)
			dst = append(dst, "× more often than chance"...)
		}
		return dst
	case RuleMatrix:
		if s.Anchor >= 0 {
			dst = append(dst, "goes well with "...)
			return append(dst, it.Title[s.Anchor]...)
		}
		return append(dst, "recommended for you"...)
	case RuleCategory:
		if s.Anchor >= 0 {
			if c := e.b.Str(it.Category[s.Anchor]); c != "" {
				dst = append(dst, "popular with "...)
				return append(dst, c...)
			}
		}
		return append(dst, "popular choice"...)
	case RuleImpulse:
		return append(dst, "a popular last-minute add"...)
	case RuleReplenish:
		dst = append(dst, "time to restock: usually bought again every "...)
		dst = strconv.AppendUint(dst, uint64(it.Replenish[s.Item]), 10)
		return append(dst, " days"...)
	case RuleViewed:
		return append(dst, "you looked at this earlier"...)
	case RuleGap:
		return append(dst, "adds free delivery to your order"...)
	case RuleUpsell:
		if pct, ok := e.pricePct(s); ok {
			dst = append(dst, "a step up for "...)
			dst = strconv.AppendInt(dst, pct, 10)
			return append(dst, "% more"...)
		}
		return append(dst, "a step up"...)
	case RuleDownsell:
		if pct, ok := e.pricePct(s); ok {
			dst = append(dst, "similar, "...)
			dst = strconv.AppendInt(dst, -pct, 10)
			return append(dst, "% less"...)
		}
		return append(dst, "similar, for less"...)
	}
	return dst
}

// appendTenths appends x rounded to one decimal, without a trailing ".0":
// what strconv.AppendFloat(dst, math.Round(x*10)/10, 'f', -1, 64) gives,
// in integer steps (shortest float formatting costs microseconds in wasm).
func appendTenths(dst []byte, x float64) []byte {
	t := math.Round(x * 10)
	if !(t >= 0 && t < 1e15) {
		return strconv.AppendFloat(dst, t/10, 'f', -1, 64)
	}
	n := int64(t)
	dst = strconv.AppendInt(dst, n/10, 10)
	if d := n % 10; d != 0 {
		dst = append(dst, '.', byte('0'+d))
	}
	return dst
}

// Reason is AppendReason as a string.
func (e *Engine) Reason(s *Suggestion) string { return string(e.AppendReason(nil, s)) }

// pricePct is the item's price relative to the anchor's, in whole percent.
func (e *Engine) pricePct(s *Suggestion) (int64, bool) {
	if s.Anchor < 0 {
		return 0, false
	}
	pa, pi := e.b.Items.Price[s.Anchor], e.b.Items.Price[s.Item]
	if math.IsNaN(pa) || math.IsNaN(pi) || pa <= 0 {
		return 0, false
	}
	return int64(math.Round((pi/pa - 1) * 100)), true
}

// KindName and RuleName are for callers that print.
func KindName(k blob.Kind) string { return k.String() }
