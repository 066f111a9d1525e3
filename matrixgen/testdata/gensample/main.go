// Command gensample writes matrixgen/testdata/sample/catalog.csv from the
// Online Retail sample: titles from Description, prices from the median
// UnitPrice, and a category, role, stock, season, margin and tags inferred
// from keywords of the description. Run from the repository root:
//
//	go run ./matrixgen/testdata/gensample
//
// The output is deterministic (stock and margins come from a hash of the id).
package main

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xsell/xsell/matrixgen/internal/input"
)

// rule maps a description keyword to a category and role; the first match wins.
type rule struct{ keyword, category, role string }

var rules = []rule{
	{"T-LIGHT HOLDER", "candles", "flagship"}, {"T-LIGHT HLDR", "candles", "flagship"}, {"CANDLEHOLDER", "candles", "flagship"},
	{"LANTERN", "candles", "flagship"}, {"HANGING T-LIGHT", "candles", "flagship"}, {"T-LIGHT GLASS", "candles", "accessory"},
	{"T-LIGHTS", "candles", "consumable"}, {"CANDLE", "candles", "consumable"},
	{"CAKE CASES", "baking", "consumable"}, {"CAKESTAND", "baking", "flagship"}, {"CAKE STAND", "baking", "flagship"},
	{"CAKE TIN", "baking", "flagship"}, {"COOKIE CUTTER", "baking", "accessory"}, {"BAKING", "baking", "accessory"},
	{"JAM MAKING SET", "kitchen", "flagship"}, {"JAM JAR", "kitchen", "consumable"}, {"RECIPE BOX", "kitchen", "accessory"},
	{"KITCHEN SCALES", "kitchen", "flagship"}, {"TEA TOWEL", "kitchen", "accessory"}, {"TEACUP", "kitchen", "thematic"},
	{"BISCUIT TIN", "kitchen", "accessory"}, {"PAPER PLATES", "party", "consumable"}, {"PAPER CUPS", "party", "consumable"},
	{"NAPKINS", "party", "consumable"}, {"BUNTING", "party", "thematic"},
	{"HOT WATER BOTTLE", "warmers", "flagship"}, {"HOTTIE", "warmers", "flagship"}, {"HAND WARMER", "warmers", "impulse"},
	{"LUNCH BOX", "lunch", "flagship"}, {"LUNCH BAG", "lunch", "accessory"},
	{"JUMBO BAG", "bags", "accessory"}, {"SHOPPER", "bags", "accessory"}, {"CHARLOTTE BAG", "bags", "accessory"},
	{"STORAGE BAG", "bags", "accessory"}, {"GIFT BAG", "bags", "accessory"},
	{"BIRTHDAY CARD", "cards", "impulse"}, {"CARD", "cards", "impulse"}, {"GIFT TAGS", "cards", "impulse"}, {"WRAP", "cards", "impulse"},
	{"ALARM CLOCK", "clocks", "flagship"}, {"PHOTO FRAME", "frames", "flagship"}, {"PICTURE FRAME", "frames", "flagship"},
	{"FRAME", "frames", "flagship"}, {"DOORMAT", "home", "flagship"}, {"METAL SIGN", "signs", "thematic"}, {"SIGN", "signs", "thematic"},
	{"PLASTERS IN TIN", "health", "impulse"}, {"TISSUES", "health", "consumable"},
	{"LIGHTS", "lights", "seasonal"}, {"NIGHT LIGHT", "lights", "accessory"},
}

// sweet marks items a diabetic segment should not be offered.
var sweet = []string{"CHOCOLATE", "SWEET", "CANDY", "JAM", "BISCUIT", "CAKE CASES", "SWEETHEART"}

// food are the categories where a sweet keyword means sugar (a chocolate
// hot water bottle is only brown).
var food = map[string]bool{"baking": true, "kitchen": true, "party": true}

var kids = []string{"SPACEBOY", "DOLLY GIRL", "CHILDRENS", "KIDS", "TOY", "CIRCUS", "WOODLAND", "CHARLIE"}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func classify(title string, price float64) (category, role string) {
	for _, r := range rules {
		if strings.Contains(title, r.keyword) {
			category, role = r.category, r.role
			break
		}
	}
	if category == "" {
		category, role = "home", "thematic"
		if strings.Contains(title, "CHRISTMAS") {
			category, role = "christmas", "seasonal"
		}
	}
	if price > 0 && price < 1 && role != "consumable" {
		role = "impulse" // small cheap items fill the checkout slot
	}
	return category, role
}

// inStock names the items the demo must be able to show: every item of
// matrix.csv and the 50 most ordered.
func inStock(dir string, o *input.Orders) map[string]bool {
	keep := map[string]bool{}
	f, err := os.Open(filepath.Join(dir, "matrix.csv"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	m, _, err := input.ReadMatrix("matrix.csv", f)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range m.Rows {
		keep[r.Anchor], keep[r.Complement] = true, true
	}
	n := make([]int, len(o.ItemIDs))
	for i := 0; i < o.Len(); i++ {
		for _, x := range o.Basket(i) {
			n[x]++
		}
	}
	idx := make([]int, len(n))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return n[idx[a]] > n[idx[b]] })
	for _, i := range idx[:min(50, len(idx))] {
		keep[o.ItemIDs[i]] = true
	}
	return keep
}

func main() {
	dir := filepath.Join("matrixgen", "testdata", "sample")
	f, err := os.Open(filepath.Join(dir, "online-retail-sample.csv"))
	if err != nil {
		log.Fatal(err)
	}
	o, _, err := input.ReadOrders("online-retail-sample.csv", f, input.FormatOnlineRetail)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	keep := inStock(dir, o)
	out, err := os.Create(filepath.Join(dir, "catalog.csv"))
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.Write([]string{"id", "title", "price", "currency", "url", "image", "category", "brand", "role", "stock", "margin", "tags", "season", "replenish_days"})
	left := 0
	for i, id := range o.ItemIDs {
		title := strings.Join(strings.Fields(o.ItemTitle[i]), " ")
		price := o.ItemPrice[i]
		// Items without a usable description stay out of the catalog, so the
		// build shows how orders naming unknown items are reported.
		if title == "" || strings.ContainsAny(title, "?") || math.IsNaN(price) {
			left++
			continue
		}
		category, role := classify(title, price)
		h := hash(id)
		stock := "in"
		switch {
		case keep[id]:
			// Curated and best-selling items stay in stock, so the demo shows them.
		case h%23 == 0:
			stock = "out"
		case h%5 == 0:
			stock = fmt.Sprint(h % 40)
		}
		margin := fmt.Sprintf("%.2f", 0.3+float64(h%31)/100)
		var tags []string
		for _, k := range sweet {
			if food[category] && strings.Contains(title, k) {
				tags = append(tags, "sugar")
				break
			}
		}
		for _, k := range kids {
			if strings.Contains(title, k) {
				tags = append(tags, "kids")
				break
			}
		}
		season := ""
		if strings.Contains(title, "CHRISTMAS") || strings.Contains(title, "SANTA") || strings.Contains(title, "REINDEER") || strings.Contains(title, "SNOWMEN") {
			season = "11-01..12-31"
		}
		replenish := ""
		if role == "consumable" {
			replenish = "60"
		}
		image := ""
		if category != "home" {
			image = "/img/" + category + ".svg"
		}
		w.Write([]string{id, title, fmt.Sprintf("%.2f", price), "GBP", "/product/" + id, image, category, "", role, stock, margin,
			strings.Join(tags, "|"), season, replenish})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d items (%d left out: no description or price)\n", out.Name(), len(o.ItemIDs)-left, left)
}
