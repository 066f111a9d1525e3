// Package engine decides, from a decoded blob and what the shopper is doing,
// the few items that complete the purchase, each with its reason, in
// microseconds. It is pure Go: the caller passes the blob and the clock, so
// the same code runs in the browser (wasm/), in the edge worker and in tests.
package engine

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/xsell/xsell/wasm/blob"
)

// Errors returned by the engine. Wrapped errors name the field.
var (
	// ErrNoBlob: New was given a nil blob.
	ErrNoBlob = errors.New("engine: no blob")
	// ErrContext: an encoded context is malformed (see DecodeContext).
	ErrContext = errors.New("engine: bad context")
	// ErrUnknownItem: an item id is not in the catalog.
	ErrUnknownItem = errors.New("engine: unknown item")
	// ErrPlacement: a placement name is not one of blob.Placements.
	ErrPlacement = errors.New("engine: unknown placement")
)

// MaxK bounds how many suggestions one call returns, whatever the policy or
// the context ask.
const MaxK = 16

// maxAnchors bounds how many cart lines count as anchors; a cart beyond it
// is scored on its first maxAnchors distinct items.
const maxAnchors = 64

// Engine answers recommendations for one blob. It is immutable after New and
// safe for concurrent use; per-call scratch memory comes from a pool.
type Engine struct {
	b *blob.Blob
	n int

	ids  map[string]uint32
	curs map[string]uint32 // currency code → string ref

	// Dense category number per item (0: none) and its string ref.
	cat     []uint32
	catRef  []uint32 // dense category → string ref
	catByID map[uint32]uint32

	// Category → items by popularity (desc) and by price (asc), CSR, and
	// up to perCat linked categories (strongest first), each category's
	// put in order on first use (category): most answers never need them,
	// and sorting and linking every category cost a blob load in
	// WebAssembly ~20 ms and a first fallback ~100 ms.
	catOff      []uint32
	catByPop    []uint32
	catByPrice  []uint32
	catLinkTo   []uint32  // perCat slots per category
	catLinkLift []float32 // the same slots' lifts
	catLinkN    []uint8   // slots used
	catReady    []onceFlag
	catMu       sync.Mutex
	catObs      []float64 // link counting scratch, under catMu
	catExp      []float64

	// Curated rows by item anchor and by category anchor, CSR.
	mxItemOff []uint32
	mxItemRow []uint32
	mxCatOff  []uint32
	mxCatRow  []uint32

	// Feedback rows by item, CSR; prior is the overall add rate.
	fbOff   []uint32
	fbRow   []uint32
	fbPrior float64
	fbAny   []uint64 // bit per item: has feedback rows
	fbRaise []uint64 // bit per item: a feedback row whose acceptance can be > 0 (a term pick's cut cannot bound)
	// maxMargin is the largest margin of any item, in [0, 1]: what pick's
	// cut (run.evCut) allows the margin term at most.
	maxMargin float64
	triOff    []uint32 // triple rows by first antecedent (indexTriples)

	// Pools for fallbacks: impulse items by popularity, gap fillers by price.
	// info packs what the filters and scores read of an item into one
	// cache line, so a candidate costs one memory access, not ten columns.
	info []itemInfo

	// pairEv[j] is pair j's evidence (see pairEvidence) under the base
	// policy's shrinkage and evidence power, computed per anchor row on
	// first use (evDone), so that loading a blob does not pay for rows no
	// shopper touches; a variant with its own shrinkage or power recomputes.
	pairEv []float32
	evDone []onceFlag
	evMu   sync.Mutex
	// spec[i] is item i's specificity as an anchor (run.specificity),
	// float64 bits, 0 until first use: two logs per cart line in wasm.
	spec []word

	poolsOnce sync.Once // impulse and gapPool, built on first use (pools)
	impulse   []uint32
	gapPool   []uint32

	// Segments: name → number; policy names absent from the string table
	// get numbers from len(Strings) on.
	segs map[string]uint32
	// exclMask[i] has bit j when item i carries Exclusions[j].Tag;
	// exclSeg[j] is the segment of exclusion j.
	exclMask []uint64
	exclSeg  []uint32
	loyal    []bool
	loyalSeg uint32
	hasLoyal bool

	// Policy resolved per placement; variants per experiment.
	base     tuning
	exps     []experiment
	impRatio float64
	nStats   float64 // N used for expected counts
	decayed  bool

	// shards: for the head of a sharded blob, which shards have been added
	// (AddShard); nil for a whole blob. An anchor whose shard is missing has
	// no mined neighbours yet (shardHere).
	shards  []onceFlag
	shardMu sync.Mutex

	pool sync.Pool
	// spare is one scratch kept outside the pool: the browser's core runs
	// one call at a time, and sync.Pool's Get and Put cost more than the
	// call's own start in wasm. Calls in parallel (natively) use the pool.
	spare spareSlot
	// ratio is the policy's max complement price / anchor price per
	// placement (blob.Policy.MaxPriceRatio, by name: a map lookup per call).
	ratio [numPlacements]float64
	// md caches monthDay for one day: day<<16 | month*100+day.
	md word
}

// tuning is the part of the policy a variant may override.
type tuning struct {
	w   blob.Weights
	k   [numPlacements]int
	off bool
}

type experiment struct {
	name    string
	salt    uint64
	names   []string
	cum     []float64 // cumulative weights, last = total
	tunings []tuning
}

// New builds the engine's indexes for b. b must have passed blob.Validate
// (blob.Decode does it); New does not modify b and keeps a reference to it.
func New(b *blob.Blob) (*Engine, error) {
	if b == nil {
		return nil, ErrNoBlob
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	it := &b.Items
	n := it.Len()
	e := &Engine{b: b, n: n, ids: make(map[string]uint32, n)}
	if b.Sharded() {
		// Room for every row; AddShard fills a shard's. The blob is not
		// modified: the engine serves a copy with its own pair columns.
		bb := *b
		np := b.Pairs.Off[n]
		bb.Pairs = blob.Pairs{Off: b.Pairs.Off, To: make([]uint32, np), NAB: make([]uint32, np), NABDecayed: make([]float32, np)}
		e.b = &bb
		e.shards = make([]onceFlag, b.Shards.Count())
	}
	for i, id := range it.ID {
		if _, dup := e.ids[id]; !dup {
			e.ids[id] = uint32(i)
		}
	}
	e.curs = map[string]uint32{}
	last := uint32(0)
	for _, c := range it.Currency {
		if c != 0 && c != last { // a map write per currency run, not per item
			e.curs[b.Strings[c]] = c
			last = c
		}
	}
	e.indexCategories()
	e.indexMatrix()
	e.indexFeedback()
	e.indexSegments()
	e.resolvePolicy()
	e.indexPairEvidence()
	e.spec = make([]word, n)
	e.indexInfo()
	e.indexTriples()
	e.pool.New = func() any { return newScratch(n) }
	for p := range e.ratio {
		e.ratio[p] = 0.5
		if v, ok := b.Policy.MaxPriceRatio[Placement(p).String()]; ok && v > 0 {
			e.ratio[p] = v
		}
		e.ratio[p] = min(e.ratio[p], 1) // never more than the anchor
	}
	return e, nil
}

// scratch takes a call's working memory; done gives it back.
func (e *Engine) scratch() *scratch {
	if s := e.spare.Swap(nil); s != nil {
		return s
	}
	return e.pool.Get().(*scratch)
}

func (e *Engine) done(s *scratch) {
	if !e.spare.CompareAndSwap(nil, s) {
		e.pool.Put(s)
	}
}

// Blob returns the blob the engine serves.
func (e *Engine) Blob() *blob.Blob { return e.b }

// Len is the number of catalog items.
func (e *Engine) Len() int { return e.n }

// Item returns the item number of a catalog id.
func (e *Engine) Item(id string) (uint32, bool) {
	i, ok := e.ids[id]
	return i, ok
}

// itemBytes looks an id up without allocating.
func (e *Engine) itemBytes(id []byte) (uint32, bool) {
	i, ok := e.ids[string(id)]
	return i, ok
}

// Segment returns the number of a shopper segment name (as used by policy
// exclusions, item tags and matrix conditions). Unknown names cannot match
// any rule, so callers may drop them.
func (e *Engine) Segment(name string) (uint32, bool) {
	s, ok := e.segs[name]
	return s, ok
}

// Segments lists every segment name the blob's rules refer to, with its
// number: what a caller needs to encode contexts.
func (e *Engine) Segments() map[string]uint32 { return e.segs }

// NoCurrency is the Context.Currency of a currency no item is priced in:
// only items without a currency pass.
const NoCurrency = ^uint32(0)

// Currency returns the string ref of a currency code for Context.Currency:
// 0 for "", NoCurrency when no item is priced in it.
func (e *Engine) Currency(code string) uint32 {
	if code == "" {
		return 0
	}
	if c, ok := e.curs[code]; ok {
		return c
	}
	return NoCurrency
}

func (e *Engine) indexCategories() {
	it := &e.b.Items
	e.cat = make([]uint32, e.n)
	e.catRef = []uint32{0}
	// Category numbers in order of first appearance, by string ref through
	// a dense table (Validate checked every ref): a map operation per item
	// cost ~9 ms of a cold page's load in wasm.
	num := make([]uint32, max(1, len(e.b.Strings))) // ref → category number + 1; 0 unseen
	num[0] = 1
	for i, ref := range it.Category {
		c := num[ref]
		if c == 0 {
			c = uint32(len(e.catRef)) + 1
			num[ref] = c
			e.catRef = append(e.catRef, ref)
		}
		e.cat[i] = c - 1
	}
	e.catByID = make(map[uint32]uint32, len(e.catRef))
	for c, ref := range e.catRef {
		e.catByID[ref] = uint32(c)
	}
	nc := len(e.catRef)
	e.catOff = make([]uint32, nc+1)
	for _, c := range e.cat {
		e.catOff[c+1]++
	}
	for c := 1; c <= nc; c++ {
		e.catOff[c] += e.catOff[c-1]
	}
	e.catByPop = make([]uint32, e.n)
	fill := append([]uint32(nil), e.catOff[:nc]...)
	for i, c := range e.cat {
		e.catByPop[fill[c]] = uint32(i)
		fill[c]++
	}
	e.catByPrice = append([]uint32(nil), e.catByPop...)
	e.catLinkTo = make([]uint32, nc*perCat)
	e.catLinkLift = make([]float32, nc*perCat)
	e.catLinkN = make([]uint8, nc)
	e.catReady = make([]onceFlag, nc)
}

// perCat is how many linked categories the fallbacks keep per category.
const perCat = 6

// category puts category c's items in order (by popularity and by price)
// and links it to the categories its items are bought with, once; every
// reader of catByPop, catByPrice or the links of c calls it first.
func (e *Engine) category(c uint32) {
	if e.catReady[c].Load() {
		return
	}
	e.catMu.Lock()
	defer e.catMu.Unlock()
	if e.catReady[c].Load() {
		return
	}
	it := &e.b.Items
	slices.SortFunc(e.catByPop[e.catOff[c]:e.catOff[c+1]], func(a, b uint32) int {
		if oa, ob := it.Orders[a], it.Orders[b]; oa != ob {
			return cmp.Compare(ob, oa)
		}
		return cmp.Compare(a, b)
	})
	slices.SortFunc(e.catByPrice[e.catOff[c]:e.catOff[c+1]], func(a, b uint32) int {
		if pa, pb := priceKey(it.Price[a]), priceKey(it.Price[b]); pa != pb {
			return cmp.Compare(pa, pb)
		}
		return cmp.Compare(a, b)
	})
	if c != 0 {
		e.linkCategory(c)
	}
	e.catReady[c].Store(true)
}

// links returns category c's linked categories and their lifts.
func (e *Engine) links(c uint32) ([]uint32, []float32) {
	e.category(c)
	lo := int(c) * perCat
	hi := lo + int(e.catLinkN[c])
	return e.catLinkTo[lo:hi], e.catLinkLift[lo:hi]
}

// priceKey sorts unknown prices last.
func priceKey(p float64) float64 {
	if math.IsNaN(p) {
		return math.Inf(1)
	}
	return p
}

// csrBuild groups rows by key (key < nkeys); rows with key < 0 are skipped.
func csrBuild(nkeys int, rows int, key func(r int) int) (off, idx []uint32) {
	off = make([]uint32, nkeys+1)
	for r := 0; r < rows; r++ {
		if k := key(r); k >= 0 {
			off[k+1]++
		}
	}
	for k := 1; k <= nkeys; k++ {
		off[k] += off[k-1]
	}
	idx = make([]uint32, off[nkeys])
	fill := append([]uint32(nil), off[:nkeys]...)
	for r := 0; r < rows; r++ {
		if k := key(r); k >= 0 {
			idx[fill[k]] = uint32(r)
			fill[k]++
		}
	}
	return off, idx
}

func (e *Engine) indexMatrix() {
	m := &e.b.Matrix
	e.mxItemOff, e.mxItemRow = csrBuild(e.n, m.Len(), func(r int) int { return int(m.AnchorItem[r]) })
	e.mxCatOff, e.mxCatRow = csrBuild(len(e.catRef), m.Len(), func(r int) int {
		if m.AnchorItem[r] >= 0 {
			return -1
		}
		c, ok := e.catByID[m.AnchorCategory[r]]
		if !ok || c == 0 {
			return -1
		}
		return int(c)
	})
}

func (e *Engine) indexFeedback() {
	f := &e.b.Feedback
	e.fbOff, e.fbRow = csrBuild(e.n, f.Len(), func(r int) int { return int(f.Item[r]) })
	var shown, added float64
	for r := 0; r < f.Len(); r++ {
		shown += float64(f.Shown[r])
		added += float64(f.Added[r])
	}
	e.fbPrior = 0.05
	if shown > 0 && added > 0 {
		e.fbPrior = added / shown
	}
	// Only an item whose acceptance can come out above 0 needs finishing
	// before pick (fbRaise): acceptance is log(rate/prior) minus a
	// dismissal rate, and rate/prior = (added/prior + sh)/(shown + sh) is
	// below 1 for every shrinkage sh >= 1 when added < prior·shown. Such an
	// item's score is within pick's cut like any other (evCut). The margin
	// keeps rate/prior at least ~1e-12 under 1 for sh up to
	// maxRaiseShrinkage, far above rounding; a policy with more shrinkage
	// (or NaN) finishes every item with feedback (fbAny), as before.
	if f.Len() > 0 {
		e.fbAny = make([]uint64, (e.n+63)/64)
		e.fbRaise = make([]uint64, (e.n+63)/64)
	}
	for r := 0; r < f.Len(); r++ {
		i := f.Item[r]
		e.fbAny[i/64] |= 1 << (i % 64)
		if !(float64(f.Added[r]) < e.fbPrior*float64(f.Shown[r])*(1-1e-6)) {
			e.fbRaise[i/64] |= 1 << (i % 64)
		}
	}
}

// pools builds, once, the impulse pool (by popularity) and the gap
// fillers (by price): only checkout and a free-delivery nudge need them.
func (e *Engine) pools() { e.poolsOnce.Do(e.indexPools) }

func (e *Engine) indexPools() {
	it := &e.b.Items
	for i := 0; i < e.n; i++ {
		switch it.Role[i] {
		case blob.RoleImpulse:
			e.impulse = append(e.impulse, uint32(i))
		}
		switch it.Role[i] {
		case blob.RoleConsumable, blob.RoleAccessory, blob.RoleImpulse, blob.RoleService, blob.RoleNone:
			if !math.IsNaN(it.Price[i]) && it.Price[i] > 0 {
				e.gapPool = append(e.gapPool, uint32(i))
			}
		}
	}
	slices.SortFunc(e.impulse, func(a, b uint32) int {
		if oa, ob := it.Orders[a], it.Orders[b]; oa != ob {
			return cmp.Compare(ob, oa)
		}
		return cmp.Compare(a, b)
	})
	if len(e.impulse) > 256 {
		e.impulse = e.impulse[:256]
	}
	slices.SortFunc(e.gapPool, func(a, b uint32) int {
		if pa, pb := it.Price[a], it.Price[b]; pa != pb {
			return cmp.Compare(pa, pb)
		}
		return cmp.Compare(a, b)
	})
}

func (e *Engine) indexSegments() {
	b := e.b
	e.segs = map[string]uint32{}
	// Every tag and condition ref, by its name; where two refs share a name
	// the one seen last wins. Walked backwards, each ref once (a dense
	// table: Validate checked every ref), so the map sees each name once,
	// not each of the catalog's ~40k tags (a string hash each in wasm).
	seen := make([]bool, len(b.Strings))
	for _, refs := range [][]uint32{b.Matrix.Excl, b.Matrix.Req, b.Items.Tags} {
		for k := len(refs) - 1; k >= 0; k-- {
			ref := refs[k]
			if ref == 0 || seen[ref] {
				continue
			}
			seen[ref] = true
			if _, ok := e.segs[b.Strings[ref]]; !ok {
				e.segs[b.Strings[ref]] = ref
			}
		}
	}
	next := uint32(len(b.Strings))
	name := func(s string) uint32 {
		if s == "" {
			return 0
		}
		if r, ok := e.segs[s]; ok {
			return r
		}
		for i, str := range b.Strings {
			if str == s {
				e.segs[s] = uint32(i)
				return uint32(i)
			}
		}
		e.segs[s] = next
		next++
		return next - 1
	}
	p := &b.Policy
	excl := p.Exclusions
	if len(excl) > 64 {
		excl = excl[:64] // a mask of 64 bits; more exclusions than that is not a real policy
	}
	tagBit := map[uint32]uint64{}
	for j, x := range excl {
		e.exclSeg = append(e.exclSeg, name(x.Segment))
		tagBit[name(x.Tag)] |= 1 << uint(j)
	}
	loyalTag := name(p.LoyaltyTag)
	e.loyalSeg = name(p.LoyaltySegment)
	e.exclMask = make([]uint64, e.n)
	e.loyal = make([]bool, e.n)
	if len(tagBit) == 0 && loyalTag == 0 {
		return
	}
	var bit []uint64 // tagBit by ref, dense; names not in the table tag no item
	if len(tagBit) > 0 {
		bit = make([]uint64, len(b.Strings))
		for t, m := range tagBit {
			if int(t) < len(bit) {
				bit[t] = m
			}
		}
	}
	it := &b.Items
	for i := 0; i < e.n; i++ {
		for _, t := range it.Tags[it.TagOff[i]:it.TagOff[i+1]] {
			if bit != nil {
				e.exclMask[i] |= bit[t]
			}
			if loyalTag != 0 && t == loyalTag {
				e.loyal[i] = true
				e.hasLoyal = true
			}
		}
	}
}

func (e *Engine) resolvePolicy() {
	p := &e.b.Policy
	def := blob.DefaultPolicy()
	e.base = tuning{w: p.Weights}
	if e.base.w == (blob.Weights{}) {
		e.base.w = def.Weights
	}
	e.base.w.EvidencePower = e.base.w.Power()
	for i, name := range blob.Placements {
		e.base.k[i] = clampK(p.K[name], 3)
	}
	e.impRatio = p.ImpulsePriceRatio
	if e.impRatio <= 0 {
		e.impRatio = def.ImpulsePriceRatio
	}
	for _, x := range p.Experiments {
		ex := experiment{name: x.Name, salt: HashVisitor(x.Name)}
		total := 0.0
		for _, v := range x.Variants {
			if w := v.Weight; w > 0 && !math.IsInf(w, 0) {
				total += w
			}
			ex.cum = append(ex.cum, total)
			ex.names = append(ex.names, v.Name)
			t := e.base
			if v.Weights != nil {
				t.w = *v.Weights
				// A variant that does not name q keeps the shop's (it was
				// chosen for this shop's data; see blob.Weights).
				if t.w.EvidencePower == 0 {
					t.w.EvidencePower = e.base.w.EvidencePower
				}
				t.w.EvidencePower = t.w.Power()
			}
			for i, name := range blob.Placements {
				if k, ok := v.K[name]; ok {
					t.k[i] = clampK(k, t.k[i])
				}
			}
			t.off = v.Off
			ex.tunings = append(ex.tunings, t)
		}
		if total == 0 { // no usable weights: equal shares
			for i := range ex.cum {
				ex.cum[i] = float64(i + 1)
			}
		}
		if len(ex.names) > 0 {
			e.exps = append(e.exps, ex)
		}
	}
	e.nStats = float64(e.b.Stats.Orders)
	e.decayed = e.b.Stats.OrdersDecayed > 0 && e.b.Stats.HalfLifeDays > 0
	if e.decayed {
		e.nStats = e.b.Stats.OrdersDecayed
	}
}

func clampK(k, def int) int {
	if k <= 0 {
		return def
	}
	if k > MaxK {
		return MaxK
	}
	return k
}

// indexCategoryLinks aggregates mined pairs into category → category links
// for the category-level fallback: the strongest few other categories per
// category, by summed joint count over expected. One pass over the pairs,
// category by category, with dense accumulators (no maps: this runs at
// every blob load in the browser).
// linkCategory links category ca to the categories its items' mined
// neighbours fall in most above chance: lift of the summed pair counts
// over the summed counts expected, smoothed by one.
func (e *Engine) linkCategory(ca uint32) {
	if e.shards != nil {
		e.linkCategoryFromHead(ca)
		return
	}
	nc := len(e.catRef)
	it, p := &e.b.Items, &e.b.Pairs
	N := float64(e.b.Stats.Orders)
	if e.catObs == nil {
		e.catObs, e.catExp = make([]float64, nc), make([]float64, nc)
	}
	obs, exp := e.catObs, e.catExp
	var touched []uint32
	for _, a := range e.catByPop[e.catOff[ca]:e.catOff[ca+1]] {
		for j := p.Off[a]; j < p.Off[a+1]; j++ {
			cb := e.cat[p.To[j]]
			if cb == 0 || cb == ca {
				continue
			}
			if obs[cb] == 0 && exp[cb] == 0 {
				touched = append(touched, cb)
			}
			obs[cb] += float64(p.NAB[j])
			if N > 0 {
				exp[cb] += float64(it.Orders[a]) * float64(it.Orders[p.To[j]]) / N
			}
			if obs[cb] == 0 && exp[cb] == 0 {
				exp[cb] = 1e-300 // keep it marked as touched
			}
		}
	}
	type link struct {
		to   uint32
		lift float64
	}
	ls := make([]link, 0, len(touched))
	for _, cb := range touched {
		ls = append(ls, link{to: cb, lift: (obs[cb] + 1) / (exp[cb] + 1)})
		obs[cb], exp[cb] = 0, 0
	}
	sort.Slice(ls, func(x, y int) bool {
		if ls[x].lift != ls[y].lift {
			return ls[x].lift > ls[y].lift
		}
		return ls[x].to < ls[y].to
	})
	lo := int(ca) * perCat
	for i, l := range ls[:min(len(ls), perCat)] {
		e.catLinkTo[lo+i] = l.to
		e.catLinkLift[lo+i] = float32(l.lift)
	}
	e.catLinkN[ca] = uint8(min(len(ls), perCat))
}

// linkCategoryFromHead reads category ca's links from a sharded head, which
// carries them because they need every item's pairs (Split computed them
// with linkCategory on the whole blob).
func (e *Engine) linkCategoryFromHead(ca uint32) {
	sh := &e.b.Shards
	ref := e.catRef[ca]
	k, ok := slices.BinarySearch(sh.LinkCat, ref)
	if !ok {
		return
	}
	lo, used := int(ca)*perCat, 0
	for j := sh.LinkOff[k]; j < sh.LinkOff[k+1] && used < perCat; j++ {
		cb, ok := e.catByID[sh.LinkTo[j]]
		if !ok || cb == 0 || cb == ca {
			continue
		}
		e.catLinkTo[lo+used] = cb
		e.catLinkLift[lo+used] = sh.LinkLift[j]
		used++
	}
	e.catLinkN[ca] = uint8(used)
}

// shardHere: the shard that holds anchor a's mined neighbours has been
// added (a sharded blob's head only).
func (e *Engine) shardHere(a uint32) bool { return e.shards[e.b.Shards.Of(a)].Load() }

func (e *Engine) indexPairEvidence() {
	e.pairEv = make([]float32, len(e.b.Pairs.To))
	e.evDone = make([]onceFlag, e.n)
}

// fillRowEvidence computes anchor a's row of pairEv, once: fromPairs
// calls it where the row is not done yet (evDone).
func (e *Engine) fillRowEvidence(a uint32) {
	p := &e.b.Pairs
	e.evMu.Lock()
	defer e.evMu.Unlock()
	if e.evDone[a].Load() {
		return
	}
	it := &e.b.Items
	orders := func(i uint32) float64 {
		if e.decayed {
			return float64(it.OrdersDecayed[i])
		}
		return float64(it.Orders[i])
	}
	na := orders(a)
	for j := p.Off[a]; j < p.Off[a+1]; j++ {
		nab := float64(p.NAB[j])
		if e.decayed {
			nab = float64(p.NABDecayed[j])
		}
		e.pairEv[j] = float32(pairEvidence(e.nStats, e.base.w.Shrinkage, e.base.w.EvidencePower, nab, na, orders(p.To[j])))
	}
	e.evDone[a].Store(true)
}

// itemInfo is an item's hot fields, packed.
type itemInfo struct {
	price  float64 // NaN unknown
	margin float32 // 0 unknown
	cat    uint32  // dense category
	cur    uint32  // currency string ref
	fbLo   uint32  // feedback rows fbRow[fbLo:fbLo+fbN]
	fbN    uint16
	role   blob.Role
	tier   uint8
	flags  uint8
}

const (
	flagOOS    = 1 << iota // out of stock
	flagSeason             // has a selling window
	flagLoyal              // loyalty-only
	flagExcl               // carries an exclusion tag
)

// indexTriples builds triOff: the triple rows whose first antecedent is
// item a are triOff[a]:triOff[a+1] (Validate keeps rows sorted by (A, B)).
func (e *Engine) indexTriples() {
	t := &e.b.Triples
	if len(t.A) == 0 {
		return
	}
	e.triOff = make([]uint32, e.n+1)
	for _, a := range t.A {
		e.triOff[a+1]++
	}
	for i := 1; i <= e.n; i++ {
		e.triOff[i] += e.triOff[i-1]
	}
}

func (e *Engine) indexInfo() {
	it := &e.b.Items
	e.info = make([]itemInfo, e.n)
	for i := range e.info {
		in := &e.info[i]
		in.price, in.cat, in.cur, in.role, in.tier = it.Price[i], e.cat[i], it.Currency[i], it.Role[i], it.Tier[i]
		if m := it.Margin[i]; m > 0 && m <= 1 {
			in.margin = m
			e.maxMargin = max(e.maxMargin, float64(m))
		}
		in.fbLo, in.fbN = e.fbOff[i], uint16(min(e.fbOff[i+1]-e.fbOff[i], 1<<16-1))
		if st := it.Stock[i]; st == 0 || (st < 0 && st != blob.StockUnknown) {
			in.flags |= flagOOS
		}
		if it.SeasonFrom[i] != 0 && it.SeasonTo[i] != 0 {
			in.flags |= flagSeason
		}
		if e.loyal[i] {
			in.flags |= flagLoyal
		}
		if e.exclMask[i] != 0 {
			in.flags |= flagExcl
		}
	}
}
