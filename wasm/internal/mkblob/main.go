// Command mkblob writes synthetic blobs for the browser tests and benchmarks:
// a raw-body blob (what the edge serves under Content-Encoding), the same
// zstd-compressed, and a copy with one body byte flipped (a bad hash).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
	"github.com/xsell/xsell/wasm/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mkblob:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mkblob", flag.ContinueOnError)
	items := fs.Int("items", 20000, "catalog size")
	neighbours := fs.Int("neighbours", 30, "mined neighbours per item")
	seed := fs.Uint64("seed", 1, "random seed")
	dir := fs.String("o", ".", "output directory")
	name := fs.String("name", "synth", "file name prefix")
	expect := fs.Bool("expect", false, "also write NAME.expect.json: the Go engine's answers to sample contexts, for the JS bridge tests")
	shardPairs := fs.Int("shard-pairs", 0, "also write NAME.head.blob and NAME.shard-I.blob: the blob sharded by anchor, about this many pairs per shard (0: not)")
	naive := fs.Bool("naive", false, "also write NAME.naive.json: the catalog and pairs as plain JSON for the naive JS baseline")
	split := fs.String("split", "", "instead of a synthetic blob: cut this whole blob into NAME.head.blob and NAME.shard-I.blob (with -shard-pairs), and write it whole with a raw body as NAME.blob")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *split != "" {
		return splitFile(*split, *dir, *name, *shardPairs, stdout)
	}
	b := synth.Build(synth.Options{Items: *items, Neighbours: *neighbours, Seed: *seed})
	raw, err := blob.Encode(b, blob.EncodeOptions{Raw: true})
	if err != nil {
		return err
	}
	z, err := blob.Recode(raw, false, blob.Limits{})
	if err != nil {
		return err
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-5] ^= 0x55
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for suffix, data := range map[string][]byte{".blob": raw, ".zst.blob": z, ".bad.blob": bad} {
		p := filepath.Join(*dir, *name+suffix)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %d bytes\n", p, len(data))
	}
	if *shardPairs > 0 {
		if err := writeSharded(b, nil, *dir, *name, *shardPairs, stdout); err != nil {
			return err
		}
	}
	if *naive {
		if err := writeNaive(filepath.Join(*dir, *name+".naive.json"), b); err != nil {
			return err
		}
	}
	if *expect {
		return writeExpect(filepath.Join(*dir, *name+".expect.json"), raw)
	}
	return nil
}

// writeNaive writes what a hand-written JS recommender would load: items
// and neighbour lists keyed by id, as nested objects.
func writeNaive(path string, b *blob.Blob) error {
	type nItem struct {
		Title    string  `json:"title"`
		Price    float64 `json:"price"`
		Category string  `json:"category"`
		URL      string  `json:"url"`
		Image    string  `json:"image"`
		Stock    bool    `json:"stock"`
		Orders   uint32  `json:"orders"`
	}
	type nPair struct {
		ID string `json:"id"`
		N  uint32 `json:"n"`
	}
	it := &b.Items
	items := map[string]nItem{}
	pairs := map[string][]nPair{}
	for i, id := range it.ID {
		items[id] = nItem{Title: it.Title[i], Price: it.Price[i], Category: b.Str(it.Category[i]), URL: b.Str(it.URL[i]),
			Image: b.Str(it.Image[i]), Stock: it.Stock[i] != 0, Orders: it.Orders[i]}
		for j := b.Pairs.Off[i]; j < b.Pairs.Off[i+1]; j++ {
			pairs[id] = append(pairs[id], nPair{ID: it.ID[b.Pairs.To[j]], N: b.Pairs.NAB[j]})
		}
	}
	data, err := json.Marshal(map[string]any{"orders": b.Stats.Orders, "items": items, "pairs": pairs})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// Case is one context and the Go engine's answer, as the JS tests read it.
type Case struct {
	Name    string           `json:"name"`
	Request engine.Request   `json:"request"`
	Want    []engine.Summary `json:"want"`
}

func writeExpect(path string, raw []byte) error {
	b, err := blob.Decode(raw, blob.DecodeOptions{})
	if err != nil {
		return err
	}
	e, err := engine.New(b)
	if err != nil {
		return err
	}
	id := func(i int) string { return b.Items.ID[i] }
	now := b.Created + 86400
	cases := []Case{
		{Name: "product", Request: engine.Request{Placement: "product", Anchor: id(10), Now: now}},
		{Name: "cart of three", Request: engine.Request{Placement: "cart", Cart: []engine.CartLine{{ID: id(5), Qty: 1}, {ID: id(42), Qty: 2}, {ID: id(77), Qty: 1}}, Now: now}},
		{Name: "checkout", Request: engine.Request{Placement: "checkout", Cart: []engine.CartLine{{ID: id(3), Qty: 1}}, Now: now, Visitor: "v-1"}},
		{Name: "email", Request: engine.Request{Placement: "email", Owned: []engine.OwnedID{{ID: id(1), At: now - 400*86400}, {ID: id(11), At: now - 200*86400}}, Viewed: []string{id(12)}, Now: now}},
		{Name: "segments and k", Request: engine.Request{Placement: "product", Anchor: id(20), Segments: []string{"diabetic"}, K: 4, Now: now}},
	}
	for i := range cases {
		var ctx engine.Context
		if _, err := e.Resolve(&cases[i].Request, &ctx); err != nil {
			return err
		}
		cases[i].Want = e.Summarize(e.Recommend(&ctx, nil))
	}
	data, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// splitFile cuts the whole blob in path into a head and pair shards.
func splitFile(path, dir, name string, shardPairs int, stdout io.Writer) error {
	if shardPairs < 1 {
		return fmt.Errorf("-split needs -shard-pairs of at least 1")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b, err := blob.Decode(src, blob.DecodeOptions{})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := blob.Recode(src, true, blob.Limits{})
	if err != nil {
		return err
	}
	return writeSharded(b, raw, dir, name, shardPairs, stdout)
}

// writeSharded writes b cut into NAME.head.blob and NAME.shard-I.blob
// (raw bodies), and whole as NAME.blob when whole is given.
func writeSharded(b *blob.Blob, whole []byte, dir, name string, shardPairs int, stdout io.Writer) error {
	_, head, shards, err := engine.EncodeSharded(b, shardPairs, blob.EncodeOptions{Raw: true})
	if err != nil {
		return err
	}
	files, names := [][]byte{head}, []string{name + ".head.blob"}
	if whole != nil {
		files, names = append(files, whole), append(names, name+".blob")
	}
	for i, s := range shards {
		files, names = append(files, s), append(names, name+".shard-"+strconv.Itoa(i)+".blob")
	}
	for i, data := range files {
		p := filepath.Join(dir, names[i])
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %d bytes\n", p, len(data))
	}
	return nil
}
