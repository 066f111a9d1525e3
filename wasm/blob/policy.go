package blob

// Placements where a suggestion shows.
const (
	PlacementProduct           = "product"
	PlacementAddToCart         = "add_to_cart"
	PlacementCart              = "cart"
	PlacementCheckout          = "checkout"
	PlacementOrderConfirmation = "order_confirmation"
	PlacementEmail             = "email"
)

// Placements lists every placement, in funnel order.
var Placements = []string{PlacementProduct, PlacementAddToCart, PlacementCart, PlacementCheckout, PlacementOrderConfirmation, PlacementEmail}

// Policy is the merchant's tuning of the rules, carried in the blob. The
// generator reads it from policy.json (same field names); DefaultPolicy gives
// the values from DESIGN.md.
type Policy struct {
	// K is how many suggestions per placement (2..4, default 3).
	K PlacementInts `json:"k,omitempty" msgpack:"k"`
	// MaxPriceRatio: a complement costs at most this share of the anchor's
	// price, per placement (default 0.5; checkout impulse 0.4). Never above 1.
	MaxPriceRatio PlacementFloats `json:"max_price_ratio,omitempty" msgpack:"max_price_ratio"`
	// ImpulsePriceRatio caps impulse items against the cart or anchor (0.4).
	ImpulsePriceRatio float64 `json:"impulse_price_ratio,omitempty" msgpack:"impulse_price_ratio"`
	// MatchTier: a complement must match the anchor's price segment, unless
	// it is a cheap necessity (consumable or priced under CheapExempt).
	MatchTier   bool    `json:"match_tier" msgpack:"match_tier"`
	CheapExempt float64 `json:"cheap_exempt,omitempty" msgpack:"cheap_exempt"`
	// UpsellMaxRatio: an up-sell costs at most this multiple of the anchor (1.25).
	UpsellMaxRatio float64 `json:"upsell_max_ratio,omitempty" msgpack:"upsell_max_ratio"`
	// DownsellMinRatio: a down-sell costs at least this share of the anchor (0.5).
	DownsellMinRatio float64 `json:"downsell_min_ratio,omitempty" msgpack:"downsell_min_ratio"`
	// FreeDelivery is the cart total at which delivery becomes free (0 = none),
	// and FreeDeliveryGap how far below it (as a share of it) the nudge starts.
	FreeDelivery    float64 `json:"free_delivery,omitempty" msgpack:"free_delivery"`
	FreeDeliveryGap float64 `json:"free_delivery_gap,omitempty" msgpack:"free_delivery_gap"`
	// Exclusions: a shopper in Segment never gets items tagged Tag.
	Exclusions Exclusions `json:"exclusions,omitempty" msgpack:"exclusions"`
	// LoyaltyTag marks loyalty-only items; LoyaltySegment is who may see them.
	LoyaltyTag     string `json:"loyalty_tag,omitempty" msgpack:"loyalty_tag"`
	LoyaltySegment string `json:"loyalty_segment,omitempty" msgpack:"loyalty_segment"`
	// MaxPerCategory keeps variety: at most this many suggestions from one
	// category in one answer (default 1; 0 means no limit).
	MaxPerCategory int `json:"max_per_category" msgpack:"max_per_category"`
	// Weights of the score terms.
	Weights Weights `json:"weights" msgpack:"weights"`
	// Mining parameters used by the generator (kept for reports and explain).
	Mining Mining `json:"mining" msgpack:"mining"`
	// Experiments for A/B tests, assigned by visitor id.
	Experiments Experiments `json:"experiments,omitempty" msgpack:"experiments"`
}

// Exclusion bars items tagged Tag from shoppers in Segment.
type Exclusion struct {
	Segment string `json:"segment" msgpack:"segment"`
	Tag     string `json:"tag" msgpack:"tag"`
}

// Weights of the score terms the engine adds up.
type Weights struct {
	Evidence   float64 `json:"evidence" msgpack:"evidence"`
	Curated    float64 `json:"curated" msgpack:"curated"`
	Margin     float64 `json:"margin" msgpack:"margin"`
	Acceptance float64 `json:"acceptance" msgpack:"acceptance"`
	Gap        float64 `json:"gap" msgpack:"gap"`
	// Shrinkage is the pseudo-count that pulls small-sample evidence to
	// the prior (lift 1).
	Shrinkage float64 `json:"shrinkage" msgpack:"shrinkage"`
	// EvidencePower is the exponent q of a pair's evidence cos(A,B)^q in
	// the whole-cart sum: above 1, a cart item's strongest complements
	// count for more than many weak ones. 0 (absent: blobs before this
	// field) means DefaultEvidencePower; values outside
	// MinEvidencePower..MaxEvidencePower are read as the default too. In
	// policy.json 0 asks matrixgen build to choose q on a validation split
	// of the orders (docs/eval.md); the blob then carries the choice. In a
	// variant, 0 keeps the base policy's q.
	EvidencePower float64 `json:"evidence_power,omitempty" msgpack:"evidence_power,omitempty"`
}

// Bounds of Weights.EvidencePower.
const (
	DefaultEvidencePower = 3
	MinEvidencePower     = 1
	MaxEvidencePower     = 8
)

// Power is w's evidence power as the engine uses it: EvidencePower when it
// is in MinEvidencePower..MaxEvidencePower, else DefaultEvidencePower.
func (w *Weights) Power() float64 {
	if q := w.EvidencePower; q >= MinEvidencePower && q <= MaxEvidencePower {
		return q
	}
	return DefaultEvidencePower
}

// Mining parameters: how pairs were kept.
type Mining struct {
	MinCount     int     `json:"min_count" msgpack:"min_count"`           // n_AB at least
	Neighbours   int     `json:"neighbours" msgpack:"neighbours"`         // M kept per anchor
	HalfLifeDays float64 `json:"half_life_days" msgpack:"half_life_days"` // time decay, 0 off
	Confidence   float64 `json:"confidence" msgpack:"confidence"`         // z for the lower bound (1.96)
	TripleMin    int     `json:"triple_min" msgpack:"triple_min"`         // n_ABC at least for {A,B}→C
	TriplePairs  int     `json:"triple_pairs" msgpack:"triple_pairs"`     // antecedent pairs examined at most
	// Tuned says which weights matrixgen chose on a validation split of
	// the orders and how they scored (for inspect and reports); not an input.
	Tuned string `json:"-" msgpack:"tuned,omitempty"`
}

// Experiment splits visitors into variants by a hash of the visitor id.
type Experiment struct {
	Name     string   `json:"name" msgpack:"name"`
	Variants Variants `json:"variants" msgpack:"variants"`
}

// Variant of an experiment; Weight is its share of traffic, Weights and K
// (when set) override the policy for visitors in it.
type Variant struct {
	Name    string        `json:"name" msgpack:"name"`
	Weight  float64       `json:"weight" msgpack:"weight"`
	Weights *Weights      `json:"weights,omitempty" msgpack:"weights"`
	K       PlacementInts `json:"k,omitempty" msgpack:"k"`
	// Off turns cross-sell off for the variant (a holdout group).
	Off bool `json:"off,omitempty" msgpack:"off"`
}

// DefaultPolicy returns the rules of DESIGN.md.
func DefaultPolicy() Policy {
	k := PlacementInts{}
	ratio := PlacementFloats{}
	for _, p := range Placements {
		k[p] = 3
		ratio[p] = 0.5
	}
	ratio[PlacementCheckout] = 0.4
	return Policy{
		K:                 k,
		MaxPriceRatio:     ratio,
		ImpulsePriceRatio: 0.4,
		MatchTier:         true,
		CheapExempt:       5,
		UpsellMaxRatio:    1.25,
		DownsellMinRatio:  0.5,
		FreeDeliveryGap:   0.25,
		LoyaltyTag:        "loyalty",
		LoyaltySegment:    "loyalty",
		MaxPerCategory:    1,
		Weights:           Weights{Evidence: 1, Curated: 2, Margin: 0.3, Acceptance: 0.5, Gap: 0.5, Shrinkage: 5},
		Mining:            Mining{MinCount: 2, Neighbours: 30, HalfLifeDays: 90, Confidence: 1.96, TripleMin: 5, TriplePairs: 20000},
	}
}
