package blob

import (
	"math"
)

// Validate checks that every column has its length and every reference is in
// range, so that readers may index without further checks. Decode calls it;
// Encode calls it before writing.
func (b *Blob) Validate() error {
	it := &b.Items
	n := it.Len()
	ns := uint32(len(b.Strings))
	if ns == 0 || b.Strings[0] != "" {
		return Wrap(ErrCorrupt, "string table must start with \"\"")
	}
	lens := []struct {
		name string
		got  int
	}{
		{"title", len(it.Title)}, {"price", len(it.Price)}, {"currency", len(it.Currency)}, {"url", len(it.URL)},
		{"image", len(it.Image)}, {"category", len(it.Category)}, {"brand", len(it.Brand)}, {"role", len(it.Role)},
		{"stock", len(it.Stock)}, {"margin", len(it.Margin)}, {"tier", len(it.Tier)}, {"season_from", len(it.SeasonFrom)},
		{"season_to", len(it.SeasonTo)}, {"replenish", len(it.Replenish)}, {"orders", len(it.Orders)},
		{"orders_decayed", len(it.OrdersDecayed)},
	}
	for _, l := range lens {
		if l.got != n {
			return Wrap(ErrCorrupt, "column "+l.name+" has "+Itoa(l.got)+" entries, want "+Itoa(n))
		}
	}
	for name, col := range map[string][]uint32{"currency": it.Currency, "url": it.URL, "image": it.Image, "category": it.Category, "brand": it.Brand, "tags": it.Tags} {
		if err := refs(name, col, ns); err != nil {
			return err
		}
	}
	for i := 0; i < n; i++ {
		if it.Role[i] >= roleCount {
			return Wrap(ErrCorrupt, "item "+Itoa(i)+" has role "+Utoa(it.Role[i]))
		}
		if it.Tier[i] > 3 {
			return Wrap(ErrCorrupt, "item "+Itoa(i)+" has tier "+Utoa(it.Tier[i]))
		}
		if p := it.Price[i]; p < 0 || math.IsInf(p, 0) {
			return Wrap(ErrCorrupt, "item "+Itoa(i)+" has price "+Ftoa(p))
		}
		if !validMMDD(it.SeasonFrom[i]) || !validMMDD(it.SeasonTo[i]) {
			return Wrap(ErrCorrupt, "item "+Itoa(i)+" has season "+Utoa(it.SeasonFrom[i])+".."+Utoa(it.SeasonTo[i]))
		}
	}
	if err := csr("tag_off", it.TagOff, n, len(it.Tags)); err != nil {
		return err
	}

	p := &b.Pairs
	if len(p.NAB) != len(p.To) || len(p.NABDecayed) != len(p.To) {
		return Wrap(ErrCorrupt, "pair columns differ in length")
	}
	if b.Sharded() {
		// The head of a sharded blob: the rows are in the shards.
		if len(p.To) != 0 {
			return Wrap(ErrCorrupt, "a sharded head carries "+Itoa(len(p.To))+" pair rows, want none (they travel in its shards)")
		}
		if len(p.Off) != n+1 {
			return Wrap(ErrCorrupt, "pair_off has "+Itoa(len(p.Off))+" entries, want "+Itoa(n+1))
		}
		if err := csr("pair_off", p.Off, n, int(p.Off[n])); err != nil {
			return err
		}
		if err := b.Shards.validate(n, ns); err != nil {
			return err
		}
	} else if err := csr("pair_off", p.Off, n, len(p.To)); err != nil {
		return err
	}
	if err := refs("pair_to", p.To, uint32(n)); err != nil {
		return err
	}

	t := &b.Triples
	nr := len(t.A)
	if len(t.B) != nr || len(t.NAB) != nr || len(t.NABC) != len(t.To) {
		return Wrap(ErrCorrupt, "triple columns differ in length")
	}
	if err := csr("tri_off", t.Off, nr, len(t.To)); err != nil {
		return err
	}
	for name, col := range map[string][]uint32{"tri_a": t.A, "tri_b": t.B, "tri_to": t.To} {
		if err := refs(name, col, uint32(n)); err != nil {
			return err
		}
	}
	for r := 1; r < nr; r++ {
		if t.A[r] < t.A[r-1] || (t.A[r] == t.A[r-1] && t.B[r] <= t.B[r-1]) {
			return Wrap(ErrCorrupt, "triple row "+Itoa(r)+": antecedents (tri_a, tri_b) not in increasing order")
		}
	}

	m := &b.Matrix
	nm := m.Len()
	for _, l := range []struct {
		name string
		got  int
	}{{"mx_anchor_item", len(m.AnchorItem)}, {"mx_anchor_category", len(m.AnchorCategory)}, {"mx_kind", len(m.Kind)},
		{"mx_reason", len(m.Reason)}, {"mx_priority", len(m.Priority)}, {"mx_discount", len(m.Discount)},
		{"mx_valid_from", len(m.ValidFrom)}, {"mx_valid_to", len(m.ValidTo)}, {"mx_line", len(m.Line)}} {
		if l.got != nm {
			return Wrap(ErrCorrupt, "column "+l.name+" has "+Itoa(l.got)+" entries, want "+Itoa(nm))
		}
	}
	if err := refs("mx_complement", m.Complement, uint32(n)); err != nil {
		return err
	}
	for name, col := range map[string][]uint32{"mx_anchor_category": m.AnchorCategory, "mx_reason": m.Reason, "mx_req": m.Req, "mx_excl": m.Excl} {
		if err := refs(name, col, ns); err != nil {
			return err
		}
	}
	for i := 0; i < nm; i++ {
		if a := m.AnchorItem[i]; a < -1 || int(a) >= n {
			return Wrap(ErrCorrupt, "matrix row "+Itoa(i)+" anchors item "+Itoa(a)+" of "+Itoa(n))
		}
		if m.Kind[i] == KindNone || m.Kind[i] >= kindCount {
			return Wrap(ErrCorrupt, "matrix row "+Itoa(i)+" has kind "+Utoa(m.Kind[i]))
		}
		if d := m.Discount[i]; !(d >= 0 && d < 100) {
			return Wrap(ErrCorrupt, "matrix row "+Itoa(i)+" has discount "+Ftoa32(d))
		}
		if f := m.Priority[i]; math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return Wrap(ErrCorrupt, "matrix row "+Itoa(i)+" has priority "+Ftoa32(f))
		}
	}
	if err := csr("mx_req_off", m.ReqOff, nm, len(m.Req)); err != nil {
		return err
	}
	if err := csr("mx_excl_off", m.ExclOff, nm, len(m.Excl)); err != nil {
		return err
	}

	f := &b.Feedback
	nf := f.Len()
	for _, c := range [][]uint32{f.Shown, f.Clicked, f.Added, f.Bought, f.Dismissed} {
		if len(c) != nf {
			return Wrap(ErrCorrupt, "feedback columns differ in length")
		}
	}
	if len(f.Anchor) != nf {
		return Wrap(ErrCorrupt, "feedback columns differ in length")
	}
	if err := refs("fb_item", f.Item, uint32(n)); err != nil {
		return err
	}
	for i, a := range f.Anchor {
		if a < -1 || int(a) >= n {
			return Wrap(ErrCorrupt, "feedback row "+Itoa(i)+" anchors item "+Itoa(a)+" of "+Itoa(n))
		}
	}
	return nil
}

func refs(name string, col []uint32, limit uint32) error {
	for i, v := range col {
		if v >= limit {
			return Wrap(ErrCorrupt, name+"["+Itoa(i)+"] = "+Utoa(v)+", out of range "+Utoa(limit))
		}
	}
	return nil
}

// csr checks an offsets column of rows+1 non-decreasing entries from 0 to total.
func csr(name string, off []uint32, rows, total int) error {
	if len(off) != rows+1 {
		return Wrap(ErrCorrupt, name+" has "+Itoa(len(off))+" entries, want "+Itoa(rows+1))
	}
	if off[0] != 0 || int(off[rows]) != total {
		return Wrap(ErrCorrupt, name+" runs "+Utoa(off[0])+".."+Utoa(off[rows])+", want 0.."+Itoa(total))
	}
	for i := 1; i <= rows; i++ {
		if off[i] < off[i-1] {
			return Wrap(ErrCorrupt, name+" decreases at "+Itoa(i))
		}
	}
	return nil
}

func validMMDD(v uint16) bool {
	if v == 0 {
		return true
	}
	m, d := v/100, v%100
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn[m]
}

var daysIn = [13]uint16{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// InSeason reports whether month*100+day md falls in the window from..to,
// which may wrap the new year; a zero window is all year.
func InSeason(from, to, md uint16) bool {
	if from == 0 || to == 0 {
		return true
	}
	if from <= to {
		return md >= from && md <= to
	}
	return md >= from || md <= to
}
