package input

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// errCase is one bad file and the exact message a user must see.
type errCase struct {
	name, text string
	kind       error
	want       string
}

func checkErr(t *testing.T, tc errCase, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", tc.want)
	}
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *input.Error", err, err)
	}
	if !errors.Is(err, tc.kind) {
		t.Errorf("error %v is not %v", err, tc.kind)
	}
	if err.Error() != tc.want {
		t.Errorf("message\n got %s\nwant %s", err, tc.want)
	}
}

func TestCatalogErrors(t *testing.T) {
	const head = "id,title,price,role,stock,margin,season,currency,replenish_days\n"
	tests := []errCase{
		{"empty file", "", ErrEmpty, "catalog.csv: the file is empty (want a header line: id, title)"},
		{"header only", head, ErrEmpty, "catalog.csv: no items after the header"},
		{"missing title column", "id,price\na,1\n", ErrMissingColumn, `catalog.csv:1: title: no "title" column in the header (want at least: id, title)`},
		{"duplicate column", "id,title,name\na,b,c\n", ErrDuplicate, `catalog.csv:1:10: title: column "name" repeats column 2 ("title")`},
		{"duplicate id", head + "a,A,1,,,,,,\nb,B,1,,,,,,\na,C,1,,,,,,\n", ErrDuplicate, `catalog.csv:4:1: id: item "a" is already on line 2 (ids must be unique)`},
		{"negative price", head + "a,A,-2,,,,,,\n", ErrValue, `catalog.csv:2:5: price: want a price of 0 or more, got "-2"`},
		{"non-numeric price", head + "a,A,12,50,,,,,,\n", ErrSyntax, "catalog.csv:2:1: 10 fields, the header has 9 (quote fields that contain a comma)"},
		{"price word", head + "a,A,cheap,,,,,,\n", ErrValue, `catalog.csv:2:5: price: want a number such as 12.50, got "cheap"`},
		{"unknown role", head + "a,A,1,gadget,,,,,\n", ErrUnknown, `catalog.csv:2:7: role: unknown role "gadget" (want one of flagship, accessory, consumable, thematic, seasonal, impulse, service, promo)`},
		{"bad stock", head + "a,A,1,,lots,,,,\n", ErrValue, `catalog.csv:2:8: stock: want in, out or a quantity of 0 or more, got "lots"`},
		{"margin too big", head + "a,A,1,,,150%,,,\n", ErrValue, `catalog.csv:2:9: margin: want a margin between 0 and 1 (or 0% to 100%), got "150%"`},
		{"impossible season date", head + "a,A,1,,,,02-30..03-10,,\n", ErrValue, `catalog.csv:2:10: season: want a season window MM-DD..MM-DD with real dates (e.g. 11-01..12-31), got "02-30..03-10"`},
		{"bad currency", head + "a,A,1,,,,,euro,\n", ErrValue, `catalog.csv:2:11: currency: want a three-letter currency code such as EUR, got "euro"`},
		{"replenish not a number", head + "a,A,1,,,,,,soon\n", ErrValue, `catalog.csv:2:12: replenish_days: want a whole number from 0 to 65535, got "soon"`},
		{"empty id", head + ",A,1,,,,,,\n", ErrValue, "catalog.csv:2:1: id: want an item id, got an empty field"},
		{"empty title", head + "a,,1,,,,,,\n", ErrValue, `catalog.csv:2:3: title: want a title for item "a", got an empty field`},
		{"invalid UTF-8", head + "a,caf\xe9,1,,,,,,\n", ErrEncoding, "catalog.csv:2:6: invalid UTF-8 byte 0xe9 (save the file as UTF-8)"},
		{"UTF-16 file", "\xff\xfei\x00d\x00\n\x00", ErrEncoding, "catalog.csv:1:1: invalid UTF-8 byte 0xff (save the file as UTF-8)"},
		{"unclosed quote", head + "a,\"A,1,,,,,,\n", ErrSyntax, "catalog.csv:2:3: quoted field is never closed"},
		{"bare quote", head + "a,A\"B,1,,,,,,\n", ErrSyntax, `catalog.csv:2:4: bare " in an unquoted field (quote the field and double the quote)`},
		{"text after quote", head + "a,\"A\"x,1,,,,,,\n", ErrSyntax, `catalog.csv:2:6: unexpected 'x' after a quoted field (want ',' or end of line)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadCatalog("catalog.csv", strings.NewReader(tc.text))
			checkErr(t, tc, err)
		})
	}
}

func TestCatalogValues(t *testing.T) {
	text := "\xef\xbb\xbfID,Title,Price,Currency,Role,Stock,Cost,Tags,Season,Replenish Days,Colour\n" +
		"cam,\"Camera, \"\"pro\"\"\",500,eur,Flagship,in,400,vegan|loyalty,,,red\n" +
		"tl,Tea lights,2.5,,consumable,7,,,12-01..01-15,30,\n" +
		"x,Mystery,,,,out,3,,,,\n"
	cat, ws, err := ReadCatalog("catalog.csv", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		{ID: "cam", Title: `Camera, "pro"`, Price: 500, Currency: "EUR", Role: blob.RoleFlagship, Stock: blob.StockIn, Margin: 0.2, Tags: []string{"vegan", "loyalty"}, Line: 2},
		{ID: "tl", Title: "Tea lights", Price: 2.5, Role: blob.RoleConsumable, Stock: 7, Margin: math.NaN(), SeasonFrom: 1201, SeasonTo: 115, Replenish: 30, Line: 3},
		{ID: "x", Title: "Mystery", Price: math.NaN(), Stock: 0, Margin: math.NaN(), Line: 4},
	}
	if len(cat.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(cat.Items), len(want))
	}
	for i, w := range want {
		got := cat.Items[i]
		if !sameFloat(got.Price, w.Price) || !sameFloat(got.Margin, w.Margin) {
			t.Errorf("item %d: price %v margin %v, want %v %v", i, got.Price, got.Margin, w.Price, w.Margin)
		}
		got.Price, got.Margin, w.Price, w.Margin = 0, 0, 0, 0
		if !reflect.DeepEqual(got, w) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if ws.Count("unknown column ignored") != 1 || ws.Count("cost ignored: no price to take it from") != 1 {
		t.Errorf("warnings %v", ws)
	}
	if !cat.Columns["season"] || cat.Columns["margin"] || !cat.Columns["cost"] {
		t.Errorf("columns %v", cat.Columns)
	}
}

func sameFloat(a, b float64) bool {
	return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-9
}

func TestMatrixErrors(t *testing.T) {
	const head = "anchor,complement,kind,reason,priority,discount,valid_from,valid_to,segments_required,segments_excluded\n"
	tests := []errCase{
		{"empty", "", ErrEmpty, "matrix.csv: the file is empty (want a header line: anchor, complement)"},
		{"no rows", head, ErrEmpty, "matrix.csv: no curated pairs after the header"},
		{"unknown kind", head + "a,b,gizmo,,,,,,,\n", ErrUnknown, `matrix.csv:2:5: kind: unknown kind "gizmo" (want one of complement, consumable, accessory, thematic, impulse, promo, upsell, downsell, service)`},
		{"impossible date", head + "a,b,,,,,2025-02-30,,,\n", ErrValue, `matrix.csv:2:9: valid_from: want a real date YYYY-MM-DD (or RFC 3339 date-time), got "2025-02-30"`},
		{"dates reversed", head + "a,b,,,,,2025-03-01,2025-02-01,,\n", ErrValue, "matrix.csv:2:20: valid_to: valid_to 2025-02-01 is before valid_from 2025-03-01"},
		{"discount 100", head + "a,b,,,,100,,,,\n", ErrValue, `matrix.csv:2:8: discount: want a discount in percent from 0 to below 100, got "100"`},
		{"priority word", head + "a,b,,,high,,,,,\n", ErrValue, `matrix.csv:2:7: priority: want a number (higher shows first), got "high"`},
		{"self pair", head + "a,a,,,,,,,,\n", ErrValue, `matrix.csv:2:3: complement: item "a" cannot complement itself`},
		{"empty category", head + "category:,b,,,,,,,,\n", ErrValue, `matrix.csv:2:1: anchor: want a category name after "category:"`},
		{"duplicate pair", head + "a,b,,,,,,,,\na,b,,,,,,,,\n", ErrDuplicate, "matrix.csv:3:3: complement: pair a → b is already on line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadMatrix("matrix.csv", strings.NewReader(tc.text))
			checkErr(t, tc, err)
		})
	}
}

func TestMatrixValues(t *testing.T) {
	m, _, err := ReadMatrix("matrix.csv", strings.NewReader("anchor,complement,kind,reason,priority,discount,valid_from,valid_to,segments_required,segments_excluded\n"+
		"category:candles,tl,Consumable,keeps the flame steady,2.5,10%,2025-01-01,2025-01-31,loyalty,diabetic|vegan\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := MatrixRow{AnchorCategory: "candles", Complement: "tl", Kind: blob.KindConsumable, Reason: "keeps the flame steady",
		Priority: 2.5, Discount: 10, ValidFrom: 1735689600, ValidTo: 1738367999, Require: []string{"loyalty"},
		Exclude: []string{"diabetic", "vegan"}, Line: 2, AnchorColumn: 1, ComplementColumn: 18}
	if !reflect.DeepEqual(m.Rows[0], want) {
		t.Errorf("\n got %+v\nwant %+v", m.Rows[0], want)
	}
}

func TestFeedback(t *testing.T) {
	const head = "anchor,item,shown,clicked,added,bought,dismissed\n"
	fb, _, err := ReadFeedback("fb.csv", strings.NewReader(head+"a,b,10,3,2,1,0\n*,b,5,0,0,0,4\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []FeedbackRow{{"a", "b", 10, 3, 2, 1, 0, 2}, {"*", "b", 5, 0, 0, 0, 4, 3}}
	if !reflect.DeepEqual(fb.Rows, want) {
		t.Errorf("got %+v", fb.Rows)
	}
	tests := []errCase{
		{"negative count", head + "a,b,-1,0,0,0,0\n", ErrValue, `fb.csv:2:5: shown: want a whole number from 0 to 4294967295, got "-1"`},
		{"missing column", "anchor,item,shown\n", ErrMissingColumn, `fb.csv:1: clicked: no "clicked" column in the header (want at least: anchor, item, shown, clicked, added, bought, dismissed)`},
		{"duplicate", head + "a,b,1,0,0,0,0\na,b,1,0,0,0,0\n", ErrDuplicate, "fb.csv:3:3: item: pair a → b is already on line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadFeedback("fb.csv", strings.NewReader(tc.text))
			checkErr(t, tc, err)
		})
	}
}

func TestPolicy(t *testing.T) {
	p, err := ReadPolicy("policy.json", strings.NewReader(`{"free_delivery": 50, "k": {"cart": 4}, "mining": {"min_count": 5, "neighbours": 20, "half_life_days": 30, "confidence": 1.64, "triple_min": 4, "triple_pairs": 100}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.FreeDelivery != 50 || p.K["cart"] != 4 || p.Mining.MinCount != 5 || p.CheapExempt != blob.DefaultPolicy().CheapExempt {
		t.Errorf("policy %+v", p)
	}
	for _, tc := range []struct {
		name string
		text string
		want float64
	}{
		{"absent: chosen by matrixgen build", `{}`, 0},
		{"pinned", `{"weights": {"evidence_power": 2}}`, 2},
		{"fractional", `{"weights": {"evidence_power": 2.5}}`, 2.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadPolicy("policy.json", strings.NewReader(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if p.Weights.EvidencePower != tc.want || p.Weights.Evidence != blob.DefaultPolicy().Weights.Evidence {
				t.Errorf("weights %+v, want evidence_power %v and the other weights' defaults", p.Weights, tc.want)
			}
		})
	}
	tests := []errCase{
		{"empty", "  \n", ErrEmpty, `policy.json: the file is empty (want a JSON object, e.g. {"free_delivery": 50})`},
		{"unknown field", "{\n  \"free_delivery\": 50,\n  \"free_shipping\": 50\n}", ErrUnknown, `policy.json:3:3: free_shipping: unknown field "free_shipping" (see docs/matrixgen.md for the policy fields)`},
		{"wrong type", "{\n  \"free_delivery\": \"fifty\"\n}", ErrValue, "policy.json:2:27: free_delivery: want float64, got JSON string"},
		{"syntax", "{\n  \"k\": {\"cart\": 4,}\n}", ErrSyntax, "policy.json:2:19: invalid character '}' looking for beginning of object key string"},
		{"truncated", `{"k": {"cart": 4}`, ErrSyntax, "policy.json:1:18: the JSON ends early"},
		{"unknown placement", `{"k": {"sidebar": 3}}`, ErrUnknown, `policy.json: k: unknown placement "sidebar" (want one of product, add_to_cart, cart, checkout, order_confirmation, email)`},
		{"k too big", `{"k": {"cart": 40}}`, ErrValue, "policy.json: k: k for cart must be 1..10 (2..4 recommended), got 40"},
		{"ratio above 1", `{"max_price_ratio": {"cart": 1.5}}`, ErrValue, "policy.json: max_price_ratio: ratio for cart must be above 0 and at most 1, got 1.5"},
		{"one variant", `{"experiments": [{"name": "x", "variants": [{"name": "a", "weight": 1}]}]}`, ErrValue, `policy.json: experiments[0]: experiment "x" needs at least two variants`},
		{"zero weight", `{"experiments": [{"name": "x", "variants": [{"name": "a", "weight": 1}, {"name": "b"}]}]}`, ErrValue, `policy.json: experiments[0].variants[1]: variant "b" needs a weight above 0, got 0`},
		{"evidence power above the bound", `{"weights": {"evidence_power": 9}}`, ErrValue, "policy.json: weights.evidence_power: want 0 (chosen by matrixgen build on a validation split of the orders) or a number from 1 to 8, got 9"},
		{"evidence power below 1", `{"weights": {"evidence_power": 0.5}}`, ErrValue, "policy.json: weights.evidence_power: want 0 (chosen by matrixgen build on a validation split of the orders) or a number from 1 to 8, got 0.5"},
		{"variant evidence power", `{"experiments": [{"name": "x", "variants": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1, "weights": {"evidence_power": -2}}]}]}`, ErrValue, "policy.json: experiments[0].variants[1].weights.evidence_power: want 0 (chosen by matrixgen build on a validation split of the orders) or a number from 1 to 8, got -2"},
		{"invalid UTF-8", "{\"loyalty_tag\": \"\xff\"}", ErrEncoding, "policy.json:1:18: invalid UTF-8 (save the file as UTF-8)"},
		{"trailing text", `{} {}`, ErrSyntax, "policy.json:1:4: text after the JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPolicy("policy.json", strings.NewReader(tc.text))
			checkErr(t, tc, err)
		})
	}
}
