package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xsell/xsell/wasm/blob"
)

const inspectUsage = `Usage: matrixgen inspect BLOB [--items N]

Prints what the blob holds: header, counts, order statistics, policy,
shards (a sharded head is read with its shards from BLOB.shards/),
roles, the most ordered items with their best neighbours, and the matrix.

Options:
`

// loadBlob reads and fully validates a blob file. For the head of a sharded
// blob it reads the shards beside it and answers the whole blob.
func (e *env) loadBlob(path string) (*blob.Blob, []byte, error) {
	b, data, _, err := e.loadBlobShards(path)
	return b, data, err
}

// loadBlobShards is loadBlob that also answers the shards' sizes.
func (e *env) loadBlobShards(path string) (*blob.Blob, []byte, []int64, error) {
	b, data, err := e.loadHead(path)
	if err != nil || !b.Sharded() {
		return b, data, nil, err
	}
	whole, files, err := e.readShards(path, b)
	sizes := make([]int64, len(files))
	for i, f := range files {
		sizes[i] = int64(len(f))
	}
	return whole, data, sizes, err
}

func (e *env) loadHead(path string) (*blob.Blob, []byte, error) {
	rc, _, err := e.open(path)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(blob.DefaultLimits.MaxRawBytes)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := blob.Decode(data, blob.DecodeOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", displayName(path), err)
	}
	return b, data, nil
}

func (e *env) inspect(args []string) error {
	fs := e.flags("inspect", inspectUsage)
	top := fs.Int("items", 10, "how many of the most ordered items to list")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one BLOB argument, got %d", len(pos))
	}
	b, data, shardSizes, err := e.loadBlobShards(pos[0])
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	h := b.Header
	compression := "raw"
	if h.Flags&blob.FlagZstd != 0 {
		compression = "zstd"
	}
	signed := "no"
	if h.Flags&blob.FlagSigned != 0 {
		signed = "yes (Ed25519)"
	}
	fmt.Fprintf(w, "blob\t%s\n", pos[0])
	fmt.Fprintf(w, "format\t%d.%d, %s, signed: %s\n", h.Major, h.Minor, compression, signed)
	fmt.Fprintf(w, "hash\t%s\n", h.HashHex())
	fmt.Fprintf(w, "size\t%s stored, %s raw body\n", byteSize(int64(len(data))), byteSize(int64(h.RawLen)))
	fmt.Fprintf(w, "created\t%s by %s\n", isoTime(b.Created), b.Generator)
	st := b.Stats
	fmt.Fprintf(w, "orders\t%d from %d lines, %d customers\n", st.Orders, st.Lines, st.Customers)
	if st.HalfLifeDays > 0 {
		fmt.Fprintf(w, "period\t%s .. %s, decay half-life %g days (decayed N %.1f)\n", day(st.From), day(st.To), st.HalfLifeDays, st.OrdersDecayed)
	} else {
		fmt.Fprintf(w, "period\tunknown (orders without times, no decay)\n")
	}
	fmt.Fprintf(w, "items\t%d\n", b.Items.Len())
	fmt.Fprintf(w, "pairs\t%d kept (%.1f per item, mining: min_count %d, neighbours %d, z %.2f)\n", len(b.Pairs.To),
		float64(len(b.Pairs.To))/math.Max(1, float64(b.Items.Len())), b.Policy.Mining.MinCount, b.Policy.Mining.Neighbours, b.Policy.Mining.Confidence)
	if b.Sharded() {
		fmt.Fprintf(w, "shards\t%d pair shards in %s/, %s (the head above holds no pair rows)\n",
			b.Shards.Count(), shardDir(pos[0]), byteSize(sum(shardSizes)))
	}
	fmt.Fprintf(w, "triples\t%d {A,B}→C rules over %d antecedent pairs\n", len(b.Triples.To), len(b.Triples.A))
	fmt.Fprintf(w, "matrix\t%d curated rows\n", b.Matrix.Len())
	fmt.Fprintf(w, "feedback\t%d rows\n", b.Feedback.Len())
	fmt.Fprintf(w, "strings\t%d\n", len(b.Strings))
	fmt.Fprintf(w, "roles\t%s\n", roleCounts(b))
	fmt.Fprintf(w, "policy\tk %s; price ratio %s; free delivery %g; %d exclusions; %d experiments\n",
		placementInts(b.Policy.K), placementFloats(b.Policy.MaxPriceRatio), b.Policy.FreeDelivery, len(b.Policy.Exclusions), len(b.Policy.Experiments))
	fmt.Fprintf(w, "evidence\t%s\n", evidencePower(b))
	for _, x := range b.Policy.Experiments {
		var vs []string
		for _, v := range x.Variants {
			vs = append(vs, fmt.Sprintf("%s (%g)", v.Name, v.Weight))
		}
		fmt.Fprintf(w, "experiment\t%s: %s\n", x.Name, strings.Join(vs, ", "))
	}
	w.Flush()

	if b.Sharded() {
		fmt.Fprintf(e.stdout, "\npair shards:\n")
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "shard\thash\tsize\titems\tpairs\tfirst anchor\tlast anchor\n")
		sh := &b.Shards
		for i := 0; i < sh.Count(); i++ {
			lo, hi := sh.From[i], sh.From[i+1]
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", i, blob.Header{Hash: sh.Hash[i]}.HashHex(), byteSize(shardSizes[i]),
				hi-lo, b.Pairs.Off[hi]-b.Pairs.Off[lo], b.Items.ID[lo], b.Items.ID[hi-1])
		}
		w.Flush()
	}
	if *top > 0 && b.Items.Len() > 0 {
		fmt.Fprintf(e.stdout, "\nmost ordered items and their best neighbours:\n")
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "id\ttitle\torders\tneighbours (n_AB)\n")
		for _, i := range mostOrdered(b, *top) {
			var ns []string
			for k := b.Pairs.Off[i]; k < b.Pairs.Off[i+1] && len(ns) < 3; k++ {
				ns = append(ns, fmt.Sprintf("%s (%d)", b.Items.ID[b.Pairs.To[k]], b.Pairs.NAB[k]))
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", b.Items.ID[i], clip(b.Items.Title[i], 40), b.Items.Orders[i], strings.Join(ns, ", "))
		}
		w.Flush()
	}
	if b.Matrix.Len() > 0 {
		fmt.Fprintf(e.stdout, "\ncurated matrix:\n")
		w = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "line\tanchor\tcomplement\tkind\tdiscount\treason\n")
		for r := 0; r < b.Matrix.Len(); r++ {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%g%%\t%s\n", b.Matrix.Line[r], matrixAnchor(b, r), b.Items.ID[b.Matrix.Complement[r]],
				b.Matrix.Kind[r], b.Matrix.Discount[r], clip(b.Str(b.Matrix.Reason[r]), 50))
		}
		w.Flush()
	}
	return nil
}

func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}

func matrixAnchor(b *blob.Blob, r int) string {
	if a := b.Matrix.AnchorItem[r]; a >= 0 {
		return b.Items.ID[a]
	}
	return "category:" + b.Str(b.Matrix.AnchorCategory[r])
}

func roleCounts(b *blob.Blob) string {
	counts := map[blob.Role]int{}
	for _, r := range b.Items.Role {
		counts[r]++
	}
	var parts []string
	for r := blob.RoleNone; r <= blob.RolePromo; r++ {
		if counts[r] > 0 {
			name := r.String()
			if name == "" {
				name = "none"
			}
			parts = append(parts, fmt.Sprintf("%s %d", name, counts[r]))
		}
	}
	return strings.Join(parts, ", ")
}

func placementInts(m blob.PlacementInts) string {
	var parts []string
	for _, p := range blob.Placements {
		if v, ok := m[p]; ok {
			parts = append(parts, fmt.Sprintf("%s=%d", p, v))
		}
	}
	return strings.Join(parts, " ")
}

func placementFloats(m blob.PlacementFloats) string {
	var parts []string
	for _, p := range blob.Placements {
		if v, ok := m[p]; ok {
			parts = append(parts, fmt.Sprintf("%s=%g", p, v))
		}
	}
	return strings.Join(parts, " ")
}

// mostOrdered returns the n items with the most orders, ties by id.
func mostOrdered(b *blob.Blob, n int) []int {
	idx := make([]int, b.Items.Len())
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, c := idx[x], idx[y]
		if b.Items.Orders[a] != b.Items.Orders[c] {
			return b.Items.Orders[a] > b.Items.Orders[c]
		}
		return b.Items.ID[a] < b.Items.ID[c]
	})
	return idx[:min(n, len(idx))]
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func isoTime(t int64) string {
	if t == 0 {
		return "unknown"
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

// evidencePower says which q the engine scores with and where it came from.
func evidencePower(b *blob.Blob) string {
	w := b.Policy.Weights
	switch {
	case b.Policy.Mining.Tuned != "":
		return b.Policy.Mining.Tuned
	case w.EvidencePower == 0:
		return fmt.Sprintf("power %g (the default; the blob does not set it)", w.Power())
	case w.EvidencePower != w.Power():
		return fmt.Sprintf("power %g (the blob's %g is out of bounds)", w.Power(), w.EvidencePower)
	}
	return fmt.Sprintf("power %g (set by the policy)", w.Power())
}
