package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
)

// safeName is what may become a file name: no separators, no dot files.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

type siteCounts struct{ pages, images int }

// writeSite writes products.json, a product page per item whose catalog URL
// is /product/ID (served for /product/ID by the static assets' .html
// handling), and an SVG for each local /img/NAME.svg that does not exist.
// The product pages are copies of product.html: the page reads its id
// from the path.
func writeSite(dir string, b *blob.Blob, products []byte) (siteCounts, error) {
	var n siteCounts
	if err := os.MkdirAll(filepath.Join(dir, "shop"), 0o755); err != nil {
		return n, err
	}
	if err := os.WriteFile(filepath.Join(dir, "shop", "products.json"), products, 0o644); err != nil {
		return n, err
	}
	tmpl, err := os.ReadFile(filepath.Join(dir, "product.html"))
	if err != nil {
		return n, fmt.Errorf("product page template: %w", err)
	}
	if !bytes.Contains(tmpl, []byte(`href="/`)) {
		return n, errors.New("product.html must use absolute paths (/shop/shop.css) to be copied under /product/")
	}
	it := &b.Items
	madeDir := map[string]bool{}
	for i := range it.Len() {
		if id, ok := strings.CutPrefix(b.Str(it.URL[i]), "/product/"); ok && safeName.MatchString(id) && id == it.ID[i] {
			if !madeDir["product"] {
				if err := os.MkdirAll(filepath.Join(dir, "product"), 0o755); err != nil {
					return n, err
				}
				madeDir["product"] = true
			}
			if err := os.WriteFile(filepath.Join(dir, "product", id+".html"), tmpl, 0o644); err != nil {
				return n, err
			}
			n.pages++
		}
		img := b.Str(it.Image[i])
		name, ok := strings.CutPrefix(img, "/img/")
		if !ok || !strings.HasSuffix(name, ".svg") || !safeName.MatchString(name) {
			continue
		}
		path := filepath.Join(dir, "img", name)
		if madeDir[path] {
			continue
		}
		madeDir[path] = true
		if _, err := os.Stat(path); err == nil {
			continue // the shop's own picture wins
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return n, err
		}
		if err := os.WriteFile(path, tile(strings.TrimSuffix(name, ".svg")), 0o644); err != nil {
			return n, err
		}
		n.images++
	}
	return n, nil
}

// tile draws a square picture for a category: a colour from its name and
// the name itself, so cards of different categories look different.
func tile(name string) []byte {
	h := fnv.New32a()
	h.Write([]byte(name))
	hue := h.Sum32() % 360
	label := strings.ReplaceAll(name, "-", " ")
	if len(label) > 14 {
		label = label[:14]
	}
	return []byte(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 160" width="160" height="160">`+
		`<rect width="160" height="160" fill="hsl(%d,55%%,86%%)"/>`+
		`<circle cx="80" cy="66" r="34" fill="hsl(%d,45%%,70%%)"/>`+
		`<text x="80" y="134" font-family="sans-serif" font-size="16" text-anchor="middle" fill="hsl(%d,40%%,28%%)">%s</text></svg>`,
		hue, hue, hue, html.EscapeString(label)))
}
