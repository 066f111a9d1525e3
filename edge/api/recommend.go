package api

import (
	"encoding/json"
	"errors"
	"html"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// recommender is the engine over the blob the edge serves, kept across
// requests: decoding and indexing happen once per blob per isolate.
type recommender struct {
	hash string
	eng  *engine.Engine
	ctx  engine.Context
	list []engine.Suggestion
	need []int
}

// RecommendQuery caps for GET /v1/recommend.
const (
	maxQueryBytes = 8 << 10
	maxListItems  = 100
)

// Suggestion is one entry of GET /v1/recommend, named like the browser
// core's Suggestion (docs/engine.md).
type Suggestion struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Price     *float64  `json:"price"`
	Currency  string    `json:"currency"`
	URL       string    `json:"url"`
	Image     string    `json:"image"`
	Category  string    `json:"category"`
	Kind      string    `json:"kind"`
	Rule      string    `json:"rule"`
	Reason    string    `json:"reason"`
	Fallback  bool      `json:"fallback"`
	ClosesGap bool      `json:"closesGap"`
	Anchor    *string   `json:"anchor"`
	Score     float32   `json:"score"`
	Evidence  *Evidence `json:"evidence"`
}

// Evidence is the 2×2 table behind a mined suggestion.
type Evidence struct {
	Together     uint32  `json:"together"`
	AnchorOrders uint32  `json:"anchorOrders"`
	ItemOrders   uint32  `json:"itemOrders"`
	Orders       uint32  `json:"orders"`
	Lift         float32 `json:"lift"`
}

// RecommendAnswer is GET /v1/recommend as JSON.
type RecommendAnswer struct {
	Blob        string       `json:"blob"`
	Placement   string       `json:"placement"`
	Dropped     int          `json:"dropped"` // ids in the query the catalog does not know
	Variant     string       `json:"variant"` // the visitor's A/B variants, as events name them ("" without)
	Suggestions []Suggestion `json:"suggestions"`
	// MissingShards: pair shards of the context's items this answer went
	// without (their items had no mined evidence): the shell's reads for the
	// request were spent. The isolate keeps what it loaded, so asking again
	// loads more. 0 (left out) for a whole answer.
	MissingShards int `json:"missing_shards,omitempty"`
}

// recommendInput is what the shell passes: the published hash and the
// query; Partial when it can read no more shards for this request (the
// Workers subrequest limit): answer from the shards loaded, saying how many
// were missing, instead of 409 need_shards.
type recommendInput struct {
	Hash    string `json:"hash"`
	Query   string `json:"query"`
	Partial bool   `json:"partial,omitempty"`
}

func (c *Core) loadBlob(src []byte) ([][]byte, error) {
	b, err := blob.Decode(src, blob.DecodeOptions{Limits: publishLimits})
	if err != nil {
		return nil, errorf(500, "bad_stored_blob", ErrBadBlob, "stored blob does not decode: %v", err)
	}
	eng, err := engine.New(b)
	if err != nil {
		return nil, errorf(500, "bad_stored_blob", ErrBadBlob, "stored blob: %v", err)
	}
	c.recs = &recommender{hash: b.Header.HashHex(), eng: eng}
	return [][]byte{[]byte(c.recs.hash)}, nil
}

// addShard adds a stored pair shard to the loaded head. A shard that is not
// the loaded head's (the current blob changed while the shell fetched it)
// is 409 stale_shard: the shell starts over from the current blob.
func (c *Core) addShard(src []byte) ([][]byte, error) {
	s, err := blob.DecodeShard(src, blob.DecodeOptions{Limits: publishLimits}, false)
	if err != nil {
		return nil, errorf(500, "bad_stored_blob", ErrBadBlob, "stored shard does not decode: %v", err)
	}
	if c.recs == nil {
		return nil, errorf(409, "need_blob", ErrNoBlob, "no blob is loaded to add shard %s to", s.Header.HashHex())
	}
	if err := c.recs.eng.AddShard(s); err != nil {
		return nil, errorf(409, "stale_shard", ErrNoBlob, "shard %s does not belong to the loaded blob %s: %v", s.Header.HashHex(), c.recs.hash, err)
	}
	return [][]byte{[]byte(s.Header.HashHex())}, nil
}

// ParseRecommendQuery turns a query string into an engine request. Lists are
// comma-separated; cart entries are id or id:qty, owned entries id or
// id@unixseconds. now (Unix seconds) comes from the edge's clock.
func ParseRecommendQuery(q string, now int64) (*engine.Request, string, error) {
	if len(q) > maxQueryBytes {
		return nil, "", errorf(414, "query_too_long", ErrTooLarge, "query is %d bytes, limit %d", len(q), maxQueryBytes)
	}
	v, err := url.ParseQuery(strings.TrimPrefix(q, "?"))
	if err != nil {
		return nil, "", errorf(400, "bad_query", ErrInvalid, "query: %v", err)
	}
	bad := func(field, format string, args ...any) error {
		return errorf(400, "bad_query", ErrInvalid, "field %s: "+format, append([]any{field}, args...)...)
	}
	for k, vals := range v {
		if len(vals) > 1 {
			return nil, "", bad(k, "given %d times", len(vals))
		}
		switch k {
		case "placement", "anchor", "cart", "viewed", "owned", "dismissed", "segments", "currency", "free_delivery", "visitor", "k", "format":
		default:
			return nil, "", bad(k, "unknown parameter")
		}
	}
	r := &engine.Request{Placement: v.Get("placement"), Now: now}
	if r.Placement == "" {
		return nil, "", bad("placement", "missing (one of %s)", strings.Join(blob.Placements, ", "))
	}
	if _, err := engine.ParsePlacement(r.Placement); err != nil {
		return nil, "", bad("placement", "want one of %s", strings.Join(blob.Placements, ", "))
	}
	ids := func(field string) ([]string, error) {
		s := v.Get(field)
		if s == "" {
			return nil, nil
		}
		list := strings.Split(s, ",")
		if len(list) > maxListItems {
			return nil, bad(field, "%d entries, limit %d", len(list), maxListItems)
		}
		for _, id := range list {
			if _, ok := text(&id, 128); !ok || id == "" {
				return nil, bad(field, "want item ids of 1 to 128 printable characters")
			}
		}
		return list, nil
	}
	if a := v.Get("anchor"); a != "" {
		if _, ok := text(&a, 128); !ok {
			return nil, "", bad("anchor", "want an item id of at most 128 printable characters")
		}
		r.Anchor = a
	}
	cart, err := ids("cart")
	if err != nil {
		return nil, "", err
	}
	for _, e := range cart {
		id, qs, has := strings.Cut(e, ":")
		qty := 1
		if has {
			if qty, err = strconv.Atoi(qs); err != nil || qty < 1 || qty > 10000 {
				return nil, "", bad("cart", "quantity of %q: want 1 to 10000", id)
			}
		}
		r.Cart = append(r.Cart, engine.CartLine{ID: id, Qty: qty})
	}
	owned, err := ids("owned")
	if err != nil {
		return nil, "", err
	}
	for _, e := range owned {
		id, at, has := strings.Cut(e, "@")
		o := engine.OwnedID{ID: id}
		if has {
			if o.At, err = strconv.ParseInt(at, 10, 64); err != nil || o.At < 0 {
				return nil, "", bad("owned", "purchase time of %q: want Unix seconds", id)
			}
		}
		r.Owned = append(r.Owned, o)
	}
	if r.Viewed, err = ids("viewed"); err != nil {
		return nil, "", err
	}
	if r.Dismissed, err = ids("dismissed"); err != nil {
		return nil, "", err
	}
	if r.Segments, err = ids("segments"); err != nil {
		return nil, "", err
	}
	if c := v.Get("currency"); c != "" {
		if len(c) != 3 || !isLetters(c) {
			return nil, "", bad("currency", "want an ISO 4217 code such as EUR")
		}
		r.Currency = c
	}
	if f := v.Get("free_delivery"); f != "" {
		if r.FreeDelivery, err = strconv.ParseFloat(f, 64); err != nil || r.FreeDelivery < 0 || r.FreeDelivery > 1e9 || math.IsNaN(r.FreeDelivery) {
			return nil, "", bad("free_delivery", "want a number from 0 to 1e9")
		}
	}
	if vis := v.Get("visitor"); vis != "" {
		if _, ok := token(&vis, 1, 64); !ok {
			return nil, "", bad("visitor", "want 1 to 64 characters of A-Z a-z 0-9 _ -")
		}
		r.Visitor = vis
	}
	if k := v.Get("k"); k != "" {
		if r.K, err = strconv.Atoi(k); err != nil || r.K < 1 || r.K > engine.MaxK {
			return nil, "", bad("k", "want 1 to %d", engine.MaxK)
		}
	}
	format := v.Get("format")
	if format != "" && format != "json" && format != "html" {
		return nil, "", bad("format", "want json or html")
	}
	return r, format, nil
}

func (c *Core) recommend(in []byte, now int64) ([][]byte, error) {
	var ri recommendInput
	if err := json.Unmarshal(in, &ri); err != nil {
		return nil, errorf(500, "internal", ErrBadJSON, "recommend input: %s", jsonMessage(err))
	}
	req, format, err := ParseRecommendQuery(ri.Query, now/1000)
	if err != nil {
		return nil, err
	}
	if c.recs == nil || c.recs.hash != ri.Hash {
		return nil, errorf(409, "need_blob", ErrNoBlob, "blob %s is not loaded", ri.Hash)
	}
	ans, err := c.recs.answer(req, ri.Partial)
	if err != nil {
		return nil, err
	}
	if format == "html" {
		return [][]byte{[]byte("text/html; charset=utf-8"), renderHTML(ans)}, nil
	}
	out, err := json.Marshal(ans)
	if err != nil {
		return nil, err
	}
	return [][]byte{[]byte("application/json; charset=utf-8"), out}, nil
}

func (r *recommender) answer(req *engine.Request, partial bool) (*RecommendAnswer, error) {
	e := r.eng
	dropped, err := e.Resolve(req, &r.ctx)
	if err != nil {
		if errors.Is(err, engine.ErrPlacement) {
			return nil, errorf(400, "bad_query", ErrInvalid, "field placement: %v", err)
		}
		return nil, errorf(400, "bad_query", ErrInvalid, "%v", err)
	}
	// A sharded blob answers like the whole one only with the shards of the
	// context's items added: name the missing ones for the shell to fetch
	// (unless it can fetch no more: partial).
	if r.need = e.MissingShards(&r.ctx, r.need[:0]); len(r.need) > 0 && !partial {
		b := e.Blob()
		hashes := make([]string, len(r.need))
		for i, k := range r.need {
			hashes[i] = blob.Header{Hash: b.Shards.Hash[k]}.HashHex()
		}
		err := errorf(409, "need_shards", ErrNeedShards, "%d shards of blob %s are not loaded", len(hashes), r.hash)
		err.Shards = hashes
		return nil, err
	}
	r.list = e.Recommend(&r.ctx, r.list[:0])
	b := e.Blob()
	it := &b.Items
	ans := &RecommendAnswer{Blob: r.hash, Placement: req.Placement, Dropped: dropped, Variant: e.VariantLabel(r.ctx.Visitor), Suggestions: make([]Suggestion, 0, len(r.list)), MissingShards: len(r.need)}
	for i := range r.list {
		s := &r.list[i]
		out := Suggestion{
			ID: it.ID[s.Item], Title: it.Title[s.Item], Currency: b.Str(it.Currency[s.Item]),
			URL: b.Str(it.URL[s.Item]), Image: b.Str(it.Image[s.Item]), Category: b.Str(it.Category[s.Item]),
			Kind: s.Kind.String(), Rule: s.Rule.String(), Reason: e.Reason(s),
			Fallback: s.Fallback, ClosesGap: s.ClosesGap, Score: s.Score,
		}
		if p := it.Price[s.Item]; !math.IsNaN(p) {
			out.Price = &p
		}
		if s.Anchor >= 0 && int(s.Anchor) < it.Len() {
			a := it.ID[s.Anchor]
			out.Anchor = &a
		}
		if ev := s.Evidence; ev.NAB > 0 {
			out.Evidence = &Evidence{Together: ev.NAB, AnchorOrders: ev.NA, ItemOrders: ev.NB, Orders: ev.N, Lift: finite(ev.Lift)}
		}
		out.Score = finite(out.Score) // JSON has no NaN
		ans.Suggestions = append(ans.Suggestions, out)
	}
	return ans, nil
}

func finite(x float32) float32 {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return 0
	}
	return x
}

// renderHTML is the list for pages and emails without JavaScript. Every
// catalog string is escaped; URLs other than http(s) or relative are dropped.
func renderHTML(a *RecommendAnswer) []byte {
	var b strings.Builder
	b.WriteString(`<ul class="xsell-recommendations" data-placement="` + html.EscapeString(a.Placement) + `">`)
	for _, s := range a.Suggestions {
		b.WriteString(`<li class="xsell-item" data-id="` + html.EscapeString(s.ID) + `">`)
		href := safeURL(s.URL)
		if href != "" {
			b.WriteString(`<a href="` + html.EscapeString(href) + `">`)
		}
		if img := safeURL(s.Image); img != "" {
			b.WriteString(`<img src="` + html.EscapeString(img) + `" alt="" loading="lazy">`)
		}
		b.WriteString(`<span class="xsell-title">` + html.EscapeString(s.Title) + `</span>`)
		if href != "" {
			b.WriteString(`</a>`)
		}
		if s.Price != nil {
			b.WriteString(`<span class="xsell-price">` + strconv.FormatFloat(*s.Price, 'f', 2, 64) + " " + html.EscapeString(s.Currency) + `</span>`)
		}
		if s.Reason != "" {
			b.WriteString(`<span class="xsell-reason">` + html.EscapeString(s.Reason) + `</span>`)
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ul>`)
	return []byte(b.String())
}

func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return ""
	}
	if u.Scheme == "" && !strings.HasPrefix(s, "//") || u.Scheme == "http" || u.Scheme == "https" {
		return s
	}
	return ""
}
