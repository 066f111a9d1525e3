package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

// timedOrders writes a long-form order file: the first 40 orders (January)
// pair bread with butter; the last 10 (February) pair x with y, which no
// January order names, and bread with jam.
func timedOrders(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("order_id,item_id,quantity,price,time\n")
	for i := range 50 {
		day := 1 + i%28
		month := 1
		items := []string{"bread", "butter"}
		if i%3 == 0 {
			items = append(items, "milk")
		}
		if i >= 40 {
			month = 2
			items = []string{"x", "y", "bread", "jam"}
		}
		for _, it := range items {
			fmt.Fprintf(&b, "o%02d,%s,1,2.00,2024-%02d-%02dT10:%02d:00Z\n", i, it, month, day, i)
		}
	}
	path := filepath.Join(t.TempDir(), "orders.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readOrders(t *testing.T, path string) *input.Orders {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, _, err := input.ReadOrders(path, f, input.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestNoPeeking: nothing of the test part reaches what the methods learn
// from: the trainer sees only earlier orders, and the blob the engine
// loads holds neither a test-only item nor a count from a test order.
func TestNoPeeking(t *testing.T) {
	o := readOrders(t, timedOrders(t))
	pol := blob.DefaultPolicy()
	shop := &Shop{Orders: o, Policy: &pol, Workers: 1}
	d := DataOf(o)
	var seen *Data
	spy := func(train *Data, ids []string) (Method, error) {
		seen = train
		return shop.EngineTrainer(nil)(train, ids)
	}
	cfg := DefaultConfig()
	cfg.Bootstrap = 0
	res, err := Evaluate(d, cfg, spy)
	if err != nil {
		t.Fatal(err)
	}
	if res.Train != 40 || res.Test != 10 || len(seen.Baskets) != 40 {
		t.Fatalf("train %d test %d, trainer saw %d orders: want 40, 10, 40", res.Train, res.Test, len(seen.Baskets))
	}
	for i, tm := range seen.Time {
		if tm >= d.Time[40] {
			t.Errorf("training order %d at %s is not before the test part", i, fmtTime(tm))
		}
	}
	raw, _, err := shop.EngineBlob(seen)
	if err != nil {
		t.Fatal(err)
	}
	b, err := blob.Decode(raw, blob.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Stats.Orders != 40 {
		t.Errorf("blob counts %d orders, want the 40 training orders", b.Stats.Orders)
	}
	idx := map[string]int{}
	for i, id := range b.Items.ID {
		idx[id] = i
	}
	for _, id := range []string{"x", "y", "jam"} {
		if _, ok := idx[id]; ok {
			t.Errorf("test-only item %q is in the training blob", id)
		}
	}
	if got := b.Items.Orders[idx["bread"]]; got != 40 {
		t.Errorf("n(bread) = %d in the blob, want 40 (the 10 test orders with bread must not count)", got)
	}
	if res.Unseen == 0 {
		t.Error("hidden items x, y, jam never occur in training: want a non-zero unseen share")
	}
}

func TestDeterministicWithSeed(t *testing.T) {
	o := readOrders(t, filepath.Join("..", "..", "testdata", "sample", "groceries.csv"))
	pol := blob.DefaultPolicy()
	run := func(seed uint64) []byte {
		shop := &Shop{Orders: o, Policy: &pol, Workers: 1}
		cfg := DefaultConfig()
		cfg.Seed, cfg.Bootstrap, cfg.MaxTestBaskets = seed, 100, 300
		res, _, err := shop.Evaluate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(res.JSON())
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	a, b := run(5), run(5)
	if !bytes.Equal(a, b) {
		t.Errorf("two runs with seed 5 differ:\n%s\n%s", a, b)
	}
	if c := run(6); bytes.Equal(a, c) {
		t.Error("seeds 5 and 6 give the same subsample and intervals")
	}
}

func TestRunEndToEnd(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "sample")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"groceries", []string{"--orders", filepath.Join(sample, "groceries.csv"), "--max-test-baskets", "400", "--bootstrap", "50", "--seed", "3"},
			[]string{"by order position (no timestamps)", "400 of 1543 eligible baskets", "seed:       3", "HR@3", "NDCG@5", "Cov@3", "Fallback@3", "engine", "cosine", "ratio"}},
		{"timed long form", []string{"--orders", timedOrders(t), "--bootstrap", "20", "--test-share", "0.2"},
			[]string{"by time: train 40 orders 2024-01-01", "test 10 orders 2024-02-", "blob:       3 items", "(the last training order)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := Run(c.args, &out, &errb); err != nil {
				t.Fatalf("Run: %v\n%s", err, errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestRunJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run([]string{"--orders", timedOrders(t), "--bootstrap", "10", "--json"}, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	var j JSONResult
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if j.Order[0] != "engine" || j.Methods["engine"]["HR@3"].Hi < j.Methods["engine"]["HR@3"].Lo || j.Train != 40 {
		t.Errorf("unexpected JSON result: %+v", j)
	}
}

func TestRunErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no orders", nil, "--orders is required"},
		{"missing file", []string{"--orders", "/nonexistent/orders.csv"}, "no such file"},
		{"bad share", []string{"--orders", "x.csv", "--test-share", "1.5"}, "--test-share"},
		{"bad now", []string{"--orders", timedOrders(t), "--now", "yesterday"}, "--now"},
		{"stray argument", []string{"--orders", "x.csv", "extra"}, "unexpected argument"},
		{"single order", []string{"--orders", oneOrder(t)}, "need at least 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := Run(c.args, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func oneOrder(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "one.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
