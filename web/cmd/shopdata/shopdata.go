package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"sort"

	"github.com/xsell/xsell/wasm/blob"
)

type config struct {
	blob string
	out  string
	site string
	n    int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("shopdata", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.blob, "blob", "", "blob to list products from (required)")
	fs.StringVar(&c.out, "o", "-", "output JSON file (- for stdout)")
	fs.StringVar(&c.site, "site", "", "site directory: write shop/products.json, product/ID.html pages and img/NAME.svg pictures there")
	fs.IntVar(&c.n, "n", 40, "how many products to list (1..1000)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.blob == "" {
		return c, errors.New("-blob is required")
	}
	if c.n < 1 || c.n > 1000 {
		return c, errors.New("-n must be within 1..1000")
	}
	return c, nil
}

// Product is one entry of products.json: what a listing card shows.
type Product struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Price    *float64 `json:"price"`
	Currency string   `json:"currency"`
	URL      string   `json:"url,omitempty"`
	Image    string   `json:"image,omitempty"`
	Category string   `json:"category,omitempty"`
	Role     string   `json:"role,omitempty"`
	InStock  bool     `json:"inStock"`
	Orders   uint32   `json:"orders"`
}

// List is products.json.
type List struct {
	Hash         string    `json:"hash"`
	Currency     string    `json:"currency"`
	FreeDelivery float64   `json:"freeDelivery"`
	Items        []Product `json:"items"`
}

// build lists up to n priced, in-stock products: matrix anchors first (the
// pages with curated suggestions), then the best sellers.
func build(src []byte, n int) (*List, error) {
	b, err := blob.Decode(src, blob.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	it := &b.Items
	sellable := func(i int) bool {
		p := it.Price[i]
		return !math.IsNaN(p) && p > 0 && it.Stock[i] != 0 && it.Title[i] != ""
	}
	picked := make([]bool, it.Len())
	var order []int
	add := func(i int) {
		if i >= 0 && i < it.Len() && !picked[i] && sellable(i) && len(order) < n {
			picked[i] = true
			order = append(order, i)
		}
	}
	// Up to half the list from the curated anchors, in file order.
	for r := 0; r < b.Matrix.Len() && len(order) < n/2; r++ {
		add(int(b.Matrix.AnchorItem[r]))
	}
	bySales := make([]int, it.Len())
	for i := range bySales {
		bySales[i] = i
	}
	sort.SliceStable(bySales, func(x, y int) bool { return it.Orders[bySales[x]] > it.Orders[bySales[y]] })
	for _, i := range bySales {
		add(i)
	}
	l := &List{Hash: b.Header.HashHex(), FreeDelivery: b.Policy.FreeDelivery, Items: make([]Product, 0, len(order))}
	currencies := map[string]int{}
	for _, i := range order {
		price := it.Price[i]
		p := Product{
			ID: it.ID[i], Title: it.Title[i], Price: &price,
			Currency: b.Str(it.Currency[i]), URL: b.Str(it.URL[i]), Image: b.Str(it.Image[i]),
			Category: b.Str(it.Category[i]), Role: it.Role[i].String(), InStock: it.Stock[i] != 0, Orders: it.Orders[i],
		}
		if p.Role == "invalid" {
			p.Role = ""
		}
		currencies[p.Currency]++
		l.Items = append(l.Items, p)
	}
	for c, k := range currencies {
		if k > currencies[l.Currency] || (k == currencies[l.Currency] && c < l.Currency) {
			l.Currency = c
		}
	}
	return l, nil
}

func encode(l *List) ([]byte, error) {
	out, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
