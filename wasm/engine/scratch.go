package engine

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
	anchor   int32 // strongest anchor, -1 none
	ref      int32 // dearest contributing anchor: what price and tier rules compare with
	refPrice float64
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
	ev       float64 // evidence summed over the whole cart (Σ cos^q, see pairEvidence)
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
	*c = cand{item: item, anchor: -1, ref: -1, row: -1}
	return c
}

func (s *scratch) isCand(item uint32) bool { return s.marks[item].seen == s.gen }
