package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/*.golden from the current engine")
	rebuild = flag.Bool("rebuild", false, "rebuild testdata/sample.blob with `go run ./matrixgen build` from matrixgen/testdata/sample")
)

var (
	sampleOnce sync.Once
	sampleEng  *Engine
	sampleErr  error
)

// sampleEngine serves testdata/sample.blob: the blob matrixgen built from
// the shipped sample data (matrixgen/testdata/sample: real orders, catalog,
// matrix, policy). It is kept in testdata so that the golden answers pin
// the engine, not the miner; -rebuild makes it again.
func sampleEngine(t *testing.T) *Engine {
	t.Helper()
	sampleOnce.Do(func() {
		path := filepath.Join("testdata", "sample.blob")
		if *rebuild {
			if runtime.GOOS == "js" {
				sampleErr = errors.New("-rebuild runs `go run ./matrixgen`, which cannot run under js/wasm")
				return
			}
			abs, err := filepath.Abs(path)
			if err != nil {
				sampleErr = err
				return
			}
			s := "matrixgen/testdata/sample/"
			cmd := exec.Command("go", "run", "./matrixgen", "build", "--orders", s+"online-retail-sample.csv", "--orders-format", "online-retail",
				"--catalog", s+"catalog.csv", "--matrix", s+"matrix.csv", "--policy", s+"policy.json", "-o", abs)
			cmd.Dir = "../.."
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				sampleErr = fmt.Errorf("%v\n%s", err, stderr.Bytes())
				return
			}
			os.Remove(strings.TrimSuffix(abs, ".blob") + ".manifest.json")
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			sampleErr = err
			return
		}
		b, err := blob.Decode(raw, blob.DecodeOptions{})
		if err != nil {
			sampleErr = err
			return
		}
		sampleEng, sampleErr = New(b)
	})
	if sampleErr != nil {
		t.Fatalf("sample blob: %v", sampleErr)
	}
	return sampleEng
}

// 2011-11-20 12:00 UTC: inside the sample's order period, Christmas season.
const sampleNow = 1321790400

type goldenCase struct {
	Name         string     `json:"name"`
	Request      Request    `json:"request"`
	Want         []Summary  `json:"want"`
	Alternatives []Summary  `json:"alternatives,omitempty"`
	Bundle       *goldenKit `json:"bundle,omitempty"`
}

type goldenKit struct {
	Items       []Summary `json:"items"`
	Total       float64   `json:"total"`
	BundleTotal float64   `json:"bundle_total"`
}

func TestGoldenSample(t *testing.T) {
	e := sampleEngine(t)
	cases := []goldenCase{
		{Name: "product page of the heart holder", Request: Request{Placement: "product", Anchor: "85123A"}},
		{Name: "product page of a lantern", Request: Request{Placement: "product", Anchor: "71053"}},
		{Name: "cart of three", Request: Request{Placement: "cart", Cart: []CartLine{{ID: "85123A", Qty: 1}, {ID: "71053", Qty: 1}, {ID: "84029G", Qty: 1}}}},
		{Name: "checkout near free delivery", Request: Request{Placement: "checkout", Cart: []CartLine{{ID: "85123A", Qty: 8}}}},
		{Name: "baking for a diabetic shopper", Request: Request{Placement: "product", Anchor: "22423", Segments: []string{"diabetic"}}},
		{Name: "baking for anyone", Request: Request{Placement: "product", Anchor: "22423"}},
		{Name: "email with replenishment", Request: Request{Placement: "email", Owned: []OwnedID{{ID: "21094", At: sampleNow - 90*86400}}, Viewed: []string{"22086"}}},
		{Name: "order confirmation", Request: Request{Placement: "order_confirmation", Cart: []CartLine{{ID: "22960", Qty: 1}}, Viewed: []string{"84029G"}}},
		{Name: "visitor in an experiment", Request: Request{Placement: "cart", Cart: []CartLine{{ID: "22423", Qty: 1}}, Visitor: "visitor-42"}},
	}
	for i := range cases {
		c := &cases[i]
		c.Request.Now = sampleNow
		var ctx Context
		if _, err := e.Resolve(&c.Request, &ctx); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		c.Want = e.Summarize(e.Recommend(&ctx, nil))
		if ctx.Anchor >= 0 {
			c.Alternatives = e.Summarize(e.Alternatives(uint32(ctx.Anchor), &ctx, nil))
			b := e.Bundle(uint32(ctx.Anchor), &ctx, nil)
			c.Bundle = &goldenKit{Items: e.Summarize(b.Items), Total: round2(b.Total), BundleTotal: round2(b.BundleTotal)}
		}
	}
	got, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "sample.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./wasm/engine -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		var w []goldenCase
		json.Unmarshal(want, &w)
		for i := range cases {
			if i >= len(w) {
				t.Errorf("%s: not in the golden file", cases[i].Name)
				continue
			}
			g1, _ := json.Marshal(cases[i])
			w1, _ := json.Marshal(w[i])
			if !bytes.Equal(g1, w1) {
				t.Errorf("%s:\n got %s\nwant %s", cases[i].Name, g1, w1)
			}
		}
		t.Fatalf("answers differ from %s (if the change is intended: go test ./wasm/engine -run Golden -update)", path)
	}
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
