package engine

import "math"

// scratch is the per-call working memory: dense arrays over the catalog,
// stamped with a generation number so that nothing is cleared between
// calls. One Recommend call uses one scratch; the engine pools them.
type scratch struct {
	gen     uint32
	marks   []mark   // per item, one cache line holds all four
	relCat  []uint32 // == gen: category related to an anchor (gap fill-ins)
	cands   []cand
	anchors []anchor
	flagCat []uint32 // categories of flagship anchors
	catUsed []catCount
	top     []int32 // pick's list, best first
	triWith []int32 // fromTriples: the anchors with triple rows of their own
	// eager lists the candidates score finishes at once: a curated row,
	// a base score or feedback that can raise it is a term pick's cut
	// cannot bound. Kept as they are made, so that score needs no pass
	// over every candidate.
	eager []int32
	fb    []uint64 // items whose feedback score finishes at once: Engine.fbRaise or fbAny (start)
}

// mark is an item's per-call state; a field equal to the call's generation
// is set, anything else is stale.
type mark struct {
	seen  uint32 // a candidate, at slot
	slot  int32
	block uint32 // in the cart, dismissed or the anchor
	owned uint32 // owned (replenishment may still bring it back)
}

type anchor struct {
	item  uint32
	w     float64
	price float64 // -Inf when unknown: never the dearest
}

type catCount struct {
	cat uint32
	n   int
}

// cand is one candidate item with what every source said about it.
type cand struct {
	item     uint32
	anchor   int32   // strongest anchor, -1 none
	ref      int32   // dearest contributing anchor: what price and tier rules compare with
	refPrice float64 // NaN while ref < 0; +Inf where ref is fixed (curated row, category fallback): see setRef
	rule     Rule
	fallback bool
	taken    bool
	done     bool // finished: ok, kind, impulse and score are set
	ok       bool // passed the filters
	impulse  bool // impulse class: fills only where no complement fits
	gap      bool // closes the free-delivery gap
	kind     uint8
	reason   uint32
	row      int32   // curated matrix row, -1 none
	curated  float64 // 1 + priority of the curated row, 0 none
	ev       float64 // evidence summed over the whole cart (Σ cos^q, see pairEvidence); +Inf once finished, NaN once taken (pick's skip loop)
	best     float64 // the strongest single contribution (picks anchor, rule)
	base     float64 // score of fallback and post-purchase rules
	score    float64
	// The strongest single piece of evidence, resolved into counts only for
	// the suggestions returned: pair j of anchor evA, or triple consequent
	// evJ of antecedent row evRow.
	evKind uint8 // 0 none, evPair, evTriple
	evA    uint32
	evJ    uint32
	evRow  uint32
}

func newScratch(n int) *scratch {
	return &scratch{
		marks: make([]mark, n),
		cands: make([]cand, 0, 256),
	}
}

// hasFeedback: item has feedback that can raise its score (s.fb): a term
// pick's cut cannot bound.
func (s *scratch) hasFeedback(item uint32) bool {
	return s.fb != nil && s.fb[item/64]&(1<<(item%64)) != 0
}

// next starts a call: a new generation, empty lists.
func (s *scratch) next(ncat int) {
	s.gen++
	if s.gen == 0 { // wrapped: old stamps could collide, clear them once
		clear(s.marks)
		clear(s.relCat)
		s.gen = 1
	}
	if len(s.relCat) < ncat {
		s.relCat = make([]uint32, ncat)
	}
	s.cands = s.cands[:0]
	s.anchors = s.anchors[:0]
	s.flagCat = s.flagCat[:0]
	s.catUsed = s.catUsed[:0]
	s.eager = s.eager[:0]
}

const (
	evPair = 1 + iota
	evTriple
)

// get returns the candidate for item, creating it.
func (s *scratch) get(item uint32) *cand {
	m := &s.marks[item]
	if m.seen == s.gen {
		return &s.cands[m.slot]
	}
	// Not append(s.cands, cand{…}): that builds the candidate and copies
	// it, a third of fromPairs natively.
	n := len(s.cands)
	m.seen, m.slot = s.gen, int32(n)
	if n == cap(s.cands) {
		s.cands = append(s.cands, cand{})
	} else {
		s.cands = s.cands[:n+1]
	}
	c := &s.cands[n]
	c.init(item)
	if s.hasFeedback(item) {
		s.eager = append(s.eager, int32(n))
	}
	return c
}

// init makes c a candidate for item with nothing said about it yet. Field
// by field: a composite literal is built on the stack and copied in with
// memory.copy, a call out of the wasm code per candidate (and a memclr
// before it natively). Every field of cand is set here.
func (c *cand) init(item uint32) {
	c.item, c.anchor, c.ref, c.refPrice = item, -1, -1, math.NaN() // NaN: no ref yet (see fromPairs)
	c.rule, c.fallback, c.taken, c.done, c.ok, c.impulse, c.gap, c.kind = RuleNone, false, false, false, false, false, false, 0
	c.reason, c.row, c.curated = 0, -1, 0
	c.ev, c.best, c.base, c.score = 0, 0, 0, 0
	c.evKind, c.evA, c.evJ, c.evRow = 0, 0, 0, 0
}

// initPair is init followed by a first pair contribution from anchor ai
// (pair j): what fromPairs' loop does for most of its pairs, in one step.
// It writes every field itself rather than calling init: init is over the
// inliner's budget, and a call per candidate made the browser bench's
// carts 1.4× slower in wasm. TestCandInitSetsEveryField keeps the two true.
func (c *cand) initPair(item uint32, ai int32, price, contrib float64, j uint32) {
	c.item, c.anchor, c.ref, c.refPrice = item, ai, ai, price
	c.rule, c.fallback, c.taken, c.done, c.ok, c.impulse, c.gap, c.kind = RulePairs, false, false, false, false, false, false, 0
	c.reason, c.row, c.curated = 0, -1, 0
	c.ev, c.best, c.base, c.score = contrib, contrib, 0, 0
	c.evKind, c.evA, c.evJ, c.evRow = evPair, uint32(ai), j, 0
}

func (s *scratch) isCand(item uint32) bool { return s.marks[item].seen == s.gen }
