package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

var sample = filepath.Join("testdata", "sample")

// runCLI runs matrixgen in-process with stdin and returns the exit status,
// stdout and stderr.
func runCLI(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	e := &env{stdin: stdin, stdout: &out, stderr: &errOut, now: func() int64 { return 1700000000 }}
	code := e.run(args)
	return code, out.String(), errOut.String()
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	orders := writeTemp(t, "orders.csv", "order_id,item_id\n1,a\n1,b\n")
	badCatalog := writeTemp(t, "catalog.csv", "id,title,price\na,A,-1\n")
	notBlob := writeTemp(t, "x.blob", "hello")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring of stderr (or stdout for help)
	}{
		{"no command", nil, exitMisuse, "Usage:"},
		{"unknown command", []string{"compile"}, exitMisuse, `unknown command "compile"`},
		{"bench unknown flag", []string{"bench", "--bogus"}, exitMisuse, "flag provided but not defined: -bogus"},
		{"eval unknown flag", []string{"eval", "--bogus"}, exitMisuse, "flag provided but not defined: -bogus"},
		{"eval without orders", []string{"eval"}, exitMisuse, "--orders is required"},
		{"help", []string{"--help"}, exitOK, ""},
		{"build help", []string{"build", "--help"}, exitOK, ""},
		{"inspect help", []string{"inspect", "-h"}, exitOK, ""},
		{"explain help", []string{"explain", "--help"}, exitOK, ""},
		{"report help", []string{"report", "--help"}, exitOK, ""},
		{"build without orders", []string{"build", "-o", filepath.Join(dir, "x.blob")}, exitMisuse, "--orders is required"},
		{"build without output", []string{"build", "--orders", orders}, exitMisuse, "-o OUT.blob is required"},
		{"build unknown flag", []string{"build", "--order", orders}, exitMisuse, "flag provided but not defined: -order"},
		{"build bad format", []string{"build", "--orders", orders, "--orders-format", "xml", "-o", "x"}, exitMisuse, `--orders-format "xml"`},
		{"build two stdins", []string{"build", "--orders", "-", "--catalog", "-", "-o", "x"}, exitMisuse, "only one input may be read from stdin"},
		{"build missing file", []string{"build", "--orders", filepath.Join(dir, "nope.csv"), "-o", filepath.Join(dir, "x.blob")}, exitInput, "nope.csv: no such file or directory"},
		{"build bad catalog", []string{"build", "--orders", orders, "--catalog", badCatalog, "-o", filepath.Join(dir, "x.blob")}, exitInput, `catalog.csv:2:5: price: want a price of 0 or more, got "-1"`},
		{"inspect not a blob", []string{"inspect", notBlob}, exitInput, "not an xsell blob"},
		{"inspect no argument", []string{"inspect"}, exitMisuse, "want one BLOB argument"},
		{"explain two arguments", []string{"explain", notBlob, "a"}, exitMisuse, "want BLOB ITEM_A ITEM_B"},
		{"report without output", []string{"report", notBlob}, exitMisuse, "-o report.html is required"},
		{"report have-not without orders", []string{"report", notBlob, "-o", "r.html", "--have-not", "a,b"}, exitMisuse, "--have-not needs --orders"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr+stdout, tc.stderr) {
				t.Errorf("output does not mention %q:\n%s%s", tc.stderr, stdout, stderr)
			}
			if tc.code == exitOK && tc.name != "help" && !strings.Contains(stdout, "Usage: matrixgen") {
				t.Errorf("help output: %s", stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.blob")); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s behind", filepath.Join(dir, "x.blob"))
	}
}

// buildSample builds the demo shop's blob and returns its path. Several
// tests read it, none changes it: it is built once per run (the build
// mines twice, to choose the evidence power), into a directory TestMain
// removes.
func buildSample(t *testing.T) string {
	t.Helper()
	sampleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "matrixgen-test-")
		if err != nil {
			sampleErr = err
			return
		}
		sampleDir = dir
		out := filepath.Join(dir, "new", "dir", "shop.blob") // directories are made
		code, _, stderr := runCLI(t, nil, "build",
			"--orders", filepath.Join(sample, "online-retail-sample.csv"), "--orders-format", "online-retail",
			"--catalog", filepath.Join(sample, "catalog.csv"), "--matrix", filepath.Join(sample, "matrix.csv"),
			"--policy", filepath.Join(sample, "policy.json"), "--no-triples", "-o", out)
		if code != exitOK {
			sampleErr = fmt.Errorf("build: exit %d\n%s", code, stderr)
			return
		}
		for _, want := range []string{"items     2829 (catalog)", "curated   33 matrix rows", "not in the catalog", "cancellation applied", "tuned     weights.evidence_power "} {
			if !strings.Contains(stderr, want) {
				sampleErr = fmt.Errorf("build summary lacks %q:\n%s", want, stderr)
				return
			}
		}
		sampleOut = out
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleOut
}

var (
	sampleOnce           sync.Once
	sampleDir, sampleOut string
	sampleErr            error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleDir != "" {
		os.RemoveAll(sampleDir)
	}
	os.Exit(code)
}

// readBuilt reads and decodes the blob (or head) build wrote to out.
func readBuilt(t *testing.T, out string) (*blob.Blob, []byte) {
	t.Helper()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := blob.Decode(data, blob.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b, data
}

// readManifest reads the manifest build wrote beside out.
func readManifest(t *testing.T, out string) blob.Manifest {
	t.Helper()
	var man blob.Manifest
	mj, err := os.ReadFile(manifestPath(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mj, &man); err != nil {
		t.Fatal(err)
	}
	return man
}

func TestBuildSampleAndManifest(t *testing.T) {
	out := buildSample(t)
	b, data := readBuilt(t, out)
	man := readManifest(t, out)
	checks := []struct {
		name      string
		got, want any
	}{
		{"manifest hash", man.Hash, b.Header.HashHex()},
		{"manifest size", man.Size, int64(len(data))},
		{"manifest created", man.Created, "2023-11-14T22:13:20Z"},
		{"manifest items", man.Counts.Items, 2829},
		{"manifest matrix", man.Counts.Matrix, 33},
		{"experiment", len(man.Experiments), 1},
		{"policy free delivery", b.Policy.FreeDelivery, 30.0},
		{"generator", b.Generator, generatorID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	code, stdout, stderr := runCLI(t, nil, "inspect", out)
	if code != exitOK || !regexp.MustCompile(`items\s+2829\n`).MatchString(stdout) || !strings.Contains(stdout, "ranking: control (0.5), evidence_first (0.5)") ||
		!strings.Contains(stdout, "85123A") || !strings.Contains(stdout, "category:candles") {
		t.Errorf("inspect: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestGroceriesThroughBuild: pair counts through the whole command equal the
// brute-force counts of the sample README.
func TestGroceriesThroughBuild(t *testing.T) {
	dir := t.TempDir()
	pol := writeTemp(t, "policy.json", `{"mining": {"min_count": 3, "neighbours": 168, "confidence": 1.96, "triple_min": 5, "triple_pairs": 20000}}`)
	f, err := os.Open(filepath.Join(sample, "groceries.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := filepath.Join(dir, "g.blob")
	code, _, stderr := runCLI(t, f, "build", "--orders", "-", "--orders-format", "baskets", "--policy", pol, "-o", out)
	if code != exitOK {
		t.Fatalf("build: %d\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, nil, "explain", out, "other vegetables", "whole milk")
	if code != exitOK {
		t.Fatalf("explain: %d\n%s", code, stderr)
	}
	// The 2×2 table: n_AB 736, n_A 1903, n_B 2513, N 9835.
	for _, re := range []string{`A\s+736\s+1167\s+1903`, `not A\s+1777\s+6155\s+7932`, `total\s+2513\s+7322\s+9835`,
		`support\s+0\.0748`, `confidence A→B\s+0\.3868`, `confidence B→A\s+0\.2929`, `lift\s+1\.5136`} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("explain output lacks %s:\n%s", re, stdout)
		}
	}
	html := filepath.Join(dir, "g.html")
	if code, _, stderr := runCLI(t, nil, "report", out, "-o", html); code != exitOK {
		t.Fatalf("report: %s", stderr)
	}
	page, _ := os.ReadFile(html)
	if !strings.Contains(string(page), "Bought with both: {A,B} → C") {
		t.Errorf("groceries report lacks the {A,B}→C section")
	}
}

// TestGzipInput: a gzip-compressed order file reads like the plain one.
func TestGzipInput(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join(sample, "groceries.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(plain)
	zw.Close()
	gz := writeTemp(t, "groceries.csv.gz", zb.String())
	dir := t.TempDir()
	for _, in := range []string{filepath.Join(sample, "groceries.csv"), gz} {
		if code, _, stderr := runCLI(t, nil, "build", "--orders", in, "--no-triples", "--created", "0", "-o", filepath.Join(dir, filepath.Base(in)+".blob")); code != exitOK {
			t.Fatalf("build %s: %s", in, stderr)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, "groceries.csv.blob"))
	b, _ := os.ReadFile(filepath.Join(dir, "groceries.csv.gz.blob"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("gzip input gave a different blob (%d and %d bytes)", len(a), len(b))
	}
	bad := writeTemp(t, "bad.csv.gz", "\x1f\x8b\x08\x00garbage")
	code, _, stderr := runCLI(t, nil, "build", "--orders", bad, "-o", filepath.Join(dir, "x.blob"))
	if code != exitInput || !strings.Contains(stderr, "bad.csv.gz") {
		t.Errorf("corrupt gzip: %d %s", code, stderr)
	}
}

func TestExplainPairNotKept(t *testing.T) {
	out := buildSample(t)
	orders := filepath.Join(sample, "online-retail-sample.csv")
	// 21212 goes with 22112 in 29 orders, but 30 stronger neighbours of
	// 22112 leave it out of the kept list.
	code, stdout, _ := runCLI(t, nil, "explain", out, "22112", "21212")
	if code != exitOK || !strings.Contains(stdout, "Pass --orders to count it") || !strings.Contains(stdout, "?") {
		t.Errorf("explain without orders: %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, nil, "explain", out, "22112", "21212", "--orders", orders, "--orders-format", "online-retail")
	if code != exitOK || !strings.Contains(stdout, "counted from the order file") || !regexp.MustCompile(`A\s+29\s+`).MatchString(stdout) {
		t.Errorf("explain with orders: %d\n%s", code, stdout)
	}
	code, _, stderr := runCLI(t, nil, "explain", out, "22112", "NOPE")
	if code != exitInput || !strings.Contains(stderr, `"NOPE": no item with this id or title`) {
		t.Errorf("unknown item: %d %s", code, stderr)
	}
}

func TestReportAndCampaign(t *testing.T) {
	// A catalog whose strings try to break out of the HTML.
	dir := t.TempDir()
	cat := writeTemp(t, "catalog.csv", "id,title,price,category,role\n"+
		"a,\"<script>alert(1)</script>\",10,x,flagship\n"+
		"b,\"Tea lights & \"\"wicks\"\"\",2,x,consumable\n"+
		"c,\"=HYPERLINK(\"\"http://evil\"\")\",3,y,flagship\n")
	orders := writeTemp(t, "orders.csv", "order_id,item_id,customer_id\n"+
		"1,a,k1\n1,b,k1\n2,a,k2\n3,a,k3\n3,b,k3\n4,a,k4\n5,c,k5\n6,b,k2\n7,a,k6\n7,b,k6\n8,a,k7\n8,b,k7\n")
	matrix := writeTemp(t, "matrix.csv", "anchor,complement,kind,reason\na,b,consumable,<b>keeps</b> it lit\n")
	out := filepath.Join(dir, "s.blob")
	if code, _, stderr := runCLI(t, nil, "build", "--catalog", cat, "--orders", orders, "--matrix", matrix, "-o", out); code != exitOK {
		t.Fatalf("build: %s", stderr)
	}
	html, campaign := filepath.Join(dir, "r.html"), filepath.Join(dir, "c.csv")
	code, _, stderr := runCLI(t, nil, "report", out, "-o", html, "--orders", orders, "--have-not", "a,b", "--campaign", campaign)
	if code != exitOK {
		t.Fatalf("report: %d %s", code, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	text := string(page)
	for _, bad := range []string{"<script>alert", "<b>keeps", "http://evil\"", "https://", "src="} {
		if strings.Contains(text, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	// a → b: together in 4 of 8 orders, a in 6, b in 5: lift 1.07, no evidence.
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;keeps&lt;/b&gt; it lit", "Flagships with no complement", "Post-purchase campaigns",
		"not supported", "together in 4 orders, lift 1.07"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	html2 := filepath.Join(dir, "r2.html")
	if code, _, stderr := runCLI(t, nil, "report", out, "-o", html2); code != exitOK {
		t.Fatalf("report without orders: %s", stderr)
	}
	if page2, _ := os.ReadFile(html2); !strings.Contains(string(page2), "pass --orders to test it") {
		t.Errorf("report without orders does not say the pair was not tested")
	}
	// Flagship c has no curated and no mined complement.
	if !regexp.MustCompile(`1 of 2 flagship items`).MatchString(text) {
		t.Errorf("report does not count the lonely flagship")
	}
	f, err := os.Open(campaign)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Customers with a but never b: k4 (order 4) and... k2 bought b later (order 6), so only k4.
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	if strings.Join(got, ",") != "k4" {
		t.Errorf("campaign customers %v, want [k4]\n%v", got, rows)
	}
	if rows[1][2] != "'<script>alert(1)</script>" && rows[1][2] != "<script>alert(1)</script>" {
		t.Errorf("campaign title %q", rows[1][2])
	}
}

// TestCampaignAgainstBruteForce: the Online Retail sample, counted directly.
func TestCampaignAgainstBruteForce(t *testing.T) {
	out := buildSample(t)
	orders := filepath.Join(sample, "online-retail-sample.csv")
	campaign := filepath.Join(t.TempDir(), "c.csv")
	code, _, stderr := runCLI(t, nil, "report", out, "-o", filepath.Join(t.TempDir(), "r.html"), "--orders", orders,
		"--orders-format", "online-retail", "--have-not", "22112,22835", "--campaign", campaign)
	if code != exitOK {
		t.Fatalf("report: %s", stderr)
	}
	f, _ := os.Open(orders)
	defer f.Close()
	o, _, err := input.ReadOrders("o.csv", f, input.FormatOnlineRetail)
	if err != nil {
		t.Fatal(err)
	}
	has, hasB := map[string]bool{}, map[string]bool{}
	for i := 0; i < o.Len(); i++ {
		if o.Customer[i] == 0 {
			continue
		}
		c := o.CustomerIDs[o.Customer[i]-1]
		for _, x := range o.Basket(i) {
			switch o.ItemIDs[x] {
			case "22112":
				has[c] = true
			case "22835":
				hasB[c] = true
			}
		}
	}
	want := 0
	for c := range has {
		if !hasB[c] {
			want++
		}
	}
	data, _ := os.ReadFile(campaign)
	if got := strings.Count(string(data), "\n") - 1; got != want || want == 0 {
		t.Errorf("campaign has %d customers, brute force %d", got, want)
	}
}

// TestExplainDecayedCuratedFeedback: timed orders give a decayed table; the
// curated row and the feedback for the pair are shown.
func TestExplainDecayedCuratedFeedback(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("order_id,item_id,time\n")
	day := int64(86400)
	for i := 0; i < 40; i++ {
		ts := 1700000000 + int64(i)*10*day
		sb.WriteString(fmt.Sprintf("%d,holder,%d\n%d,lights,%d\n", i, ts, i, ts))
		if i%2 == 0 {
			sb.WriteString(fmt.Sprintf("%d,card,%d\n", i, ts))
		}
		sb.WriteString(fmt.Sprintf("x%d,card,%d\nx%d,mug,%d\n", i, ts, i, ts))
	}
	orders := writeTemp(t, "orders.csv", sb.String())
	matrix := writeTemp(t, "matrix.csv", "anchor,complement,reason,discount\nholder,lights,keeps the flame steady,10\n")
	fb := writeTemp(t, "fb.csv", "anchor,item,shown,clicked,added,bought,dismissed\nholder,lights,50,10,5,4,2\n")
	out := filepath.Join(t.TempDir(), "t.blob")
	if code, _, stderr := runCLI(t, nil, "build", "--orders", orders, "--matrix", matrix, "--feedback", fb, "-o", out); code != exitOK {
		t.Fatalf("build: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, nil, "explain", out, "holder", "lights")
	if code != exitOK {
		t.Fatalf("explain: %s", stderr)
	}
	for _, want := range []string{"decayed (half-life 90 days):", "measure         plain", `"keeps the flame steady", bundle discount 10%`,
		"feedback (A): shown 50, clicked 10, added 5, bought 4, dismissed 2", "bought together in 40 orders"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, nil, "inspect", out)
	if code != exitOK || !strings.Contains(stdout, "2023-11-14 .. 2024-12-08, decay half-life 90 days") {
		t.Errorf("inspect period:\n%s", stdout)
	}
}

// TestBuildEvidencePower: build chooses weights.evidence_power on a
// validation split when the policy leaves it to matrixgen, says so, and
// records it in the blob, where inspect finds it; a policy that sets it
// is obeyed.
func TestBuildEvidencePower(t *testing.T) {
	orders := filepath.Join(sample, "groceries.csv")
	for _, c := range []struct {
		name      string
		policy    string
		summary   string
		inspect   string
		power     float64
		tunedText bool
	}{
		{"left to matrixgen", `{}`, "tuned     weights.evidence_power 2, chosen by HR@3 on the latest 1967 orders (1543 baskets, 8332 hide-one queries), mined on the 7868 before",
			`evidence\s+weights.evidence_power 2, chosen by HR@3`, 2, true},
		{"set by the policy", `{"weights": {"evidence_power": 4}}`, "evidence  power 4 (set by the policy)", `evidence\s+power 4 \(set by the policy\)`, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "g.blob")
			code, _, stderr := runCLI(t, nil, "build", "--orders", orders, "--policy", writeTemp(t, "policy.json", c.policy), "--no-triples", "-o", out)
			if code != exitOK || !strings.Contains(stderr, c.summary) {
				t.Fatalf("build: exit %d, summary lacks %q:\n%s", code, c.summary, stderr)
			}
			b, _ := readBuilt(t, out)
			if b.Policy.Weights.EvidencePower != c.power || (b.Policy.Mining.Tuned != "") != c.tunedText {
				t.Errorf("blob: evidence_power %v, tuned %q; want %v, recorded %v", b.Policy.Weights.EvidencePower, b.Policy.Mining.Tuned, c.power, c.tunedText)
			}
			code, stdout, stderr := runCLI(t, nil, "inspect", out, "--items", "0")
			if code != exitOK || !regexp.MustCompile(c.inspect).MatchString(stdout) {
				t.Errorf("inspect: exit %d, lacks %q:\n%s%s", code, c.inspect, stdout, stderr)
			}
		})
	}
}

// TestPublishChecksFirst: publish refuses a bad command line or a bad blob
// before it sends anything, and a network failure is tried again and then
// named. Publishing to the real worker is tested in edge/test/shard.test.mjs.
func TestPublishChecksFirst(t *testing.T) {
	t.Setenv("XSELL_ENDPOINT", "")
	t.Setenv("XSELL_TOKEN", "")
	notBlob := writeTemp(t, "x.blob", "hello")
	good := buildSample(t)
	for _, tc := range []struct {
		name   string
		token  string
		args   []string
		code   int
		stderr string
	}{
		{"help", "", []string{"publish", "--help"}, exitOK, "Usage: matrixgen publish"},
		{"no endpoint", "t", []string{"publish", good}, exitMisuse, "--endpoint: want the edge's http(s) base URL"},
		{"not a URL", "t", []string{"publish", good, "--endpoint", "xsell.example.com"}, exitMisuse, "--endpoint"},
		{"no token", "", []string{"publish", good, "--endpoint", "http://127.0.0.1:1"}, exitMisuse, "$XSELL_TOKEN is empty"},
		{"no blob", "t", []string{"publish", "--endpoint", "http://127.0.0.1:1"}, exitMisuse, "want one BLOB argument"},
		{"not a blob", "t", []string{"publish", notBlob, "--endpoint", "http://127.0.0.1:1"}, exitInput, "not an xsell blob"},
		// Port 1 on loopback refuses the connection: tried twice, then named.
		{"unreachable", "t", []string{"publish", good, "--endpoint", "http://127.0.0.1:1", "--tries", "2"}, exitInput, "connection refused (after 2 tries)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XSELL_TOKEN", tc.token)
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.stderr) {
				t.Errorf("exit %d (want %d), output does not mention %q:\n%s%s", code, tc.code, tc.stderr, stdout, stderr)
			}
		})
	}
}
