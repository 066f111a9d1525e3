package input

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
)

// Item is one catalog row. Unknown numbers are NaN, unknown strings "".
type Item struct {
	ID, Title  string
	Price      float64 // NaN when unknown
	Currency   string  // ISO 4217 code, upper case
	URL, Image string
	Category   string
	Brand      string
	Role       blob.Role
	Stock      int32   // blob.StockUnknown, blob.StockIn or a quantity
	Margin     float64 // share of the price; NaN when unknown
	Tags       []string
	SeasonFrom uint16 // month*100+day; 0 all year
	SeasonTo   uint16
	Replenish  uint16 // days; 0 none
	Line       int
}

// Catalog is the shop's items in file order.
type Catalog struct {
	File  string
	Items []Item
	// Index maps an item id to its position in Items.
	Index map[string]int
	// Columns names the optional columns the file had (price, role, ...).
	Columns map[string]bool
}

var catalogColumns = []column{
	{name: "id", aliases: []string{"sku", "item_id", "item", "product_id", "stockcode", "stock_code"}, required: true},
	{name: "title", aliases: []string{"name", "description"}, required: true},
	{name: "price", aliases: []string{"unit_price", "unitprice"}},
	{name: "currency"},
	{name: "url", aliases: []string{"link"}},
	{name: "image", aliases: []string{"image_url", "img"}},
	{name: "category"},
	{name: "brand"},
	{name: "role"},
	{name: "stock", aliases: []string{"availability", "inventory"}},
	{name: "margin"},
	{name: "cost"},
	{name: "tags", aliases: []string{"segments"}},
	{name: "season", aliases: []string{"season_window"}},
	{name: "replenish_days", aliases: []string{"replenish", "reorder_days"}},
}

// ReadCatalog reads catalog.csv: a header with at least id and title, then
// one item per line. name is the file name used in errors.
func ReadCatalog(name string, r io.Reader) (*Catalog, Warnings, error) {
	var ws Warnings
	c := newCSV(name, r, ',')
	h, err := readHeader(c, catalogColumns, &ws)
	if err != nil {
		return nil, ws, err
	}
	cat := &Catalog{File: name, Index: map[string]int{}, Columns: map[string]bool{}}
	for _, col := range catalogColumns {
		cat.Columns[col.name] = h.has(col.name)
	}
	for {
		rec, err := h.record(c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ws, err
		}
		it, err := catalogItem(c, h, rec, &ws)
		if err != nil {
			return nil, ws, err
		}
		if prev, dup := cat.Index[it.ID]; dup {
			return nil, ws, h.fieldErr(c, "id", errf(ErrDuplicate, "item %q is already on line %d (ids must be unique)", it.ID, cat.Items[prev].Line))
		}
		cat.Index[it.ID] = len(cat.Items)
		cat.Items = append(cat.Items, it)
	}
	if len(cat.Items) == 0 {
		return nil, ws, &Error{File: name, Err: errf(ErrEmpty, "no items after the header")}
	}
	return cat, ws, nil
}

func catalogItem(c *csvReader, h header, rec [][]byte, ws *Warnings) (Item, error) {
	it := Item{Price: math.NaN(), Margin: math.NaN(), Stock: blob.StockUnknown, Line: c.line}
	field := func(name string) string { return trim(h.get(rec, name)) }
	bad := func(name string, err error) (Item, error) { return Item{}, h.fieldErr(c, name, err) }

	if it.ID = field("id"); it.ID == "" {
		return bad("id", errf(ErrValue, "want an item id, got an empty field"))
	}
	if it.Title = field("title"); it.Title == "" {
		return bad("title", errf(ErrValue, "want a title for item %q, got an empty field", it.ID))
	}
	if s := field("price"); s != "" {
		p, err := parsePrice(s)
		if err != nil {
			return bad("price", err)
		}
		it.Price = p
	}
	if s := field("currency"); s != "" {
		if !isCurrency(s) {
			return bad("currency", errf(ErrValue, "want a three-letter currency code such as EUR, got %q", s))
		}
		it.Currency = strings.ToUpper(s)
	}
	it.URL, it.Image, it.Category, it.Brand = field("url"), field("image"), field("category"), field("brand")
	if s := field("role"); s != "" {
		role, ok := blob.ParseRole(strings.ToLower(s))
		if !ok {
			return bad("role", errf(ErrUnknown, "unknown role %q (want one of %s)", s, strings.Join(blob.RoleNames(), ", ")))
		}
		it.Role = role
	}
	st, err := parseStock(field("stock"))
	if err != nil {
		return bad("stock", err)
	}
	it.Stock = st
	if s := field("margin"); s != "" {
		m, err := parseShare(s)
		if err != nil {
			return bad("margin", err)
		}
		it.Margin = m
	} else if s := field("cost"); s != "" {
		cost, err := parsePrice(s)
		if err != nil {
			return bad("cost", err)
		}
		switch {
		case math.IsNaN(it.Price) || it.Price == 0:
			ws.Add(c.file, "cost ignored: no price to take it from", "line "+strconv.Itoa(c.line))
		default:
			it.Margin = math.Max(-1, (it.Price-cost)/it.Price)
		}
	}
	if s := field("tags"); s != "" {
		it.Tags = splitList(s)
	}
	if s := field("season"); s != "" {
		from, to, err := parseSeason(s)
		if err != nil {
			return bad("season", err)
		}
		it.SeasonFrom, it.SeasonTo = from, to
	}
	if s := field("replenish_days"); s != "" {
		d, err := parseCount(s, math.MaxUint16)
		if err != nil {
			return bad("replenish_days", err)
		}
		it.Replenish = uint16(d)
	}
	return it, nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if ch := s[i] | 0x20; ch < 'a' || ch > 'z' {
			return false
		}
	}
	return true
}
