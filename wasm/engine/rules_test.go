package engine

import (
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xsell/xsell/wasm/blob"
)

// One named case per rule of DESIGN.md "What the seeds ask the engine to do".
type ruleCase struct {
	name string
	mut  func(s *spec)
	req  Request
	want []string
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := shop()
			if tc.mut != nil {
				tc.mut(&s)
			}
			e := build(t, s)
			if g := got(t, e, tc.req); !reflect.DeepEqual(g, tc.want) {
				t.Fatalf("got %v, want %v", g, tc.want)
			}
		})
	}
}

func pairs(ps ...tPair) func(s *spec) {
	return func(s *spec) { s.pairs = append(s.pairs, ps...) }
}

func both(fs ...func(s *spec)) func(s *spec) {
	return func(s *spec) {
		for _, f := range fs {
			f(s)
		}
	}
}

var camPairs = pairs(tPair{"cam1", "lens", 30}, tPair{"cam1", "bag", 20}, tPair{"cam1", "card", 40})

func TestCandidates(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "no anchor no suggestion", mut: camPairs, req: Request{Placement: "product"}, want: []string{}},
		{name: "pairs of the anchor by shrunk lift", mut: camPairs,
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs", "card:pairs"}},
		{name: "whole cart combined into one score",
			mut:  pairs(tPair{"cam1", "bag", 20}, tPair{"cam1", "lens", 30}, tPair{"tripod", "bag", 15}),
			req:  Request{Placement: "cart", Cart: cart("cam1", "tripod")},
			want: []string{"bag:pairs", "lens:pairs"}},
		{name: "single cart item alone ranks by its own pairs",
			mut:  pairs(tPair{"cam1", "bag", 20}, tPair{"cam1", "lens", 30}, tPair{"tripod", "bag", 15}),
			req:  Request{Placement: "cart", Cart: cart("cam1")},
			want: []string{"lens:pairs", "bag:pairs"}},
		{name: "multi-item rule from triples",
			mut:  func(s *spec) { s.triples = []tTriple{{"cam1", "tripod", 20, "card", 15}} },
			req:  Request{Placement: "cart", Cart: cart("tripod", "cam1")},
			want: []string{"card:triple"}},
		{name: "curated matrix by item anchor first",
			mut: both(pairs(tPair{"cam1", "lens", 30}), func(s *spec) {
				s.rows = []tRow{{anchor: "cam1", comp: "tripod", reason: "steady shots"}}
			}),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"tripod:matrix", "lens:pairs"}},
		{name: "curated matrix by category anchor",
			mut: func(s *spec) { s.rows = []tRow{{anchor: "cat:cameras", comp: "bag"}} },
			req: Request{Placement: "product", Anchor: "cam2"}, want: []string{"bag:matrix"}},
		{name: "curated rows outside their validity dates are skipped",
			mut: func(s *spec) {
				s.rows = []tRow{{anchor: "cam1", comp: "tripod", to: now - 1}, {anchor: "cam1", comp: "bag", from: now + 100},
					{anchor: "cam1", comp: "card", from: now - 100, to: now + 100}}
			},
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"card:matrix"}},
		{name: "curated segment conditions unmet",
			mut: func(s *spec) {
				s.rows = []tRow{{anchor: "cam1", comp: "tripod", req: []string{"pro"}}, {anchor: "cam1", comp: "bag", excl: []string{"student"}}}
			},
			req: Request{Placement: "product", Anchor: "cam1", Segments: []string{"student"}}, want: []string{}},
		{name: "curated segment conditions met",
			mut: func(s *spec) {
				s.rows = []tRow{{anchor: "cam1", comp: "tripod", req: []string{"pro"}, prio: 1}, {anchor: "cam1", comp: "bag", excl: []string{"student"}}}
			},
			req: Request{Placement: "product", Anchor: "cam1", Segments: []string{"pro"}}, want: []string{"tripod:matrix", "bag:matrix"}},
		{name: "category fallback when nothing is known of the anchor",
			mut: camPairs, req: Request{Placement: "product", Anchor: "cam2"}, want: []string{"lens:category", "bag:category", "card:category"}},
		{name: "impulse items wait for complements outside checkout",
			mut:  both(camPairs, pairs(tPair{"cam1", "candy", 50})),
			req:  Request{Placement: "product", Anchor: "cam1"},
			want: []string{"lens:pairs", "bag:pairs", "card:pairs"}},
		{name: "impulse item fills where no complement fits",
			mut: pairs(tPair{"cam1", "candy", 50}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"candy:pairs"}},
		{name: "checkout keeps its last slot for an impulse item",
			mut:  both(camPairs, pairs(tPair{"cam1", "gum", 50})),
			req:  Request{Placement: "checkout", Cart: cart("cam1")},
			want: []string{"lens:pairs", "bag:pairs", "gum:pairs"}},
		{name: "checkout impulse slot from the impulse pool",
			mut:  pairs(tPair{"cam1", "lens", 30}, tPair{"cam1", "bag", 20}),
			req:  Request{Placement: "checkout", Cart: cart("cam1")},
			want: []string{"lens:pairs", "bag:pairs", "candy:impulse"}},
		{name: "impulse pool is for checkout only",
			mut:  pairs(tPair{"cam1", "lens", 30}),
			req:  Request{Placement: "cart", Cart: cart("cam1")},
			want: []string{"lens:pairs"}},
	})
}

func TestFilters(t *testing.T) {
	two := pairs(tPair{"cam1", "lens", 30}, tPair{"cam1", "bag", 20})
	dec := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC).Unix()
	runCases(t, []ruleCase{
		{name: "in cart", mut: two, req: Request{Placement: "cart", Cart: cart("cam1", "lens")}, want: []string{"bag:pairs"}},
		{name: "owned", mut: two, req: Request{Placement: "product", Anchor: "cam1", Owned: []OwnedID{{ID: "lens", At: now - 86400}}},
			want: []string{"bag:pairs"}},
		{name: "dismissed", mut: two, req: Request{Placement: "product", Anchor: "cam1", Dismissed: []string{"lens"}}, want: []string{"bag:pairs"}},
		{name: "out of stock", mut: both(two, pairs(tPair{"cam1", "filter", 40})),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "out of season", mut: both(two, pairs(tPair{"cam1", "hat", 10})),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "in season", mut: both(two, pairs(tPair{"cam1", "hat", 10})),
			req: Request{Placement: "product", Anchor: "cam1", Now: dec}, want: []string{"lens:pairs", "bag:pairs", "hat:pairs"}},
		{name: "segment exclusion", mut: both(two, func(s *spec) { s.item("bag").tags = []string{"sugar"} }),
			req: Request{Placement: "product", Anchor: "cam1", Segments: []string{"diabetic"}}, want: []string{"lens:pairs"}},
		{name: "segment exclusion does not touch others", mut: both(two, func(s *spec) { s.item("bag").tags = []string{"sugar"} }),
			req: Request{Placement: "product", Anchor: "cam1", Segments: []string{"vegan"}}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "loyalty-only hidden", mut: both(two, pairs(tPair{"cam1", "strap", 10})),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "loyalty-only shown to members", mut: both(two, pairs(tPair{"cam1", "strap", 10})),
			req: Request{Placement: "product", Anchor: "cam1", Segments: []string{"loyalty"}}, want: []string{"lens:pairs", "bag:pairs", "strap:pairs"}},
		{name: "price over half the anchor", mut: both(two, func(s *spec) { s.item("lens").price = 300 }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:pairs"}},
		{name: "price ratio per placement", mut: both(two, func(s *spec) {
			s.item("lens").price = 300
			s.policy = func(p *blob.Policy) { p.MaxPriceRatio[blob.PlacementProduct] = 0.7 }
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "never dearer than the anchor", mut: func(s *spec) {
			s.pairs = []tPair{{"lens", "tripod", 30}, {"lens", "card", 30}}
			s.item("tripod").price = 230
			s.policy = func(p *blob.Policy) { p.MaxPriceRatio[blob.PlacementProduct] = 1.5 }
		}, req: Request{Placement: "product", Anchor: "lens"}, want: []string{"card:pairs"}},
		{name: "price tier must match", mut: both(two, pairs(tPair{"cam1", "lenspro", 30})),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "cheap necessity exempt from tier", mut: both(pairs(tPair{"cam1", "lenspro", 30}), func(s *spec) { s.item("lenspro").price = 4 }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lenspro:pairs"}},
		{name: "consumable exempt from tier", mut: both(pairs(tPair{"cam1", "card", 30}), func(s *spec) { s.item("card").tier = 3 }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"card:pairs"}},
		{name: "tier matching off", mut: both(pairs(tPair{"cam1", "lenspro", 30}), func(s *spec) {
			s.policy = func(p *blob.Policy) { p.MatchTier = false }
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lenspro:pairs"}},
		{name: "never accessory to flagship", mut: func(s *spec) {
			s.pairs = []tPair{{"lens", "cam1", 30}, {"lens", "bag", 10}}
			s.item("lens").price = 1000
		}, req: Request{Placement: "product", Anchor: "lens"}, want: []string{"bag:pairs"}},
		{name: "complements not substitutes", mut: both(two, pairs(tPair{"cam1", "cam2", 50}), func(s *spec) { s.item("cam2").price = 200 }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "other currency", mut: both(two, func(s *spec) { s.item("bag").currency = "USD" }),
			req: Request{Placement: "product", Anchor: "cam1", Currency: "EUR"}, want: []string{"lens:pairs"}},
	})
}

func TestScores(t *testing.T) {
	even := pairs(tPair{"cam1", "bag", 20}, tPair{"cam1", "tripod", 20})
	evenOrders := func(s *spec) { s.item("bag").orders, s.item("tripod").orders = 50, 50 }
	runCases(t, []ruleCase{
		{name: "small samples shrink toward chance", mut: both(pairs(tPair{"cam1", "lens", 3}, tPair{"cam1", "bag", 40}), func(s *spec) {
			s.item("lens").orders, s.item("bag").orders = 3, 100
			s.policy = func(p *blob.Policy) { p.MaxPerCategory = 0 }
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:pairs", "lens:pairs"}},
		// Shrinkage only decides whether a pair counts (shrunk lift above 1);
		// the cosine ranks, so raw lift does not put a 3-order pair first.
		{name: "without shrinkage the cosine still ranks, not raw lift", mut: both(pairs(tPair{"cam1", "lens", 3}, tPair{"cam1", "bag", 40}), func(s *spec) {
			s.item("lens").orders, s.item("bag").orders = 3, 100
			s.policy = func(p *blob.Policy) { p.Weights.Shrinkage = 0 }
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:pairs", "lens:pairs"}},
		{name: "curated priority orders curated rows", mut: func(s *spec) {
			s.rows = []tRow{{anchor: "cam1", comp: "tripod"}, {anchor: "cam1", comp: "bag", prio: 2}}
		}, req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:matrix", "tripod:matrix"}},
		{name: "equal evidence ties broken by item order", mut: both(even, evenOrders),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:pairs", "tripod:pairs"}},
		{name: "margin breaks equal evidence", mut: both(even, evenOrders, func(s *spec) { s.item("tripod").margin = 0.9 }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"tripod:pairs", "bag:pairs"}},
		{name: "acceptance feedback", mut: both(even, evenOrders, func(s *spec) {
			s.fb = []tFb{{anchor: "cam1", item: "tripod", shown: 100, added: 30}, {anchor: "cam1", item: "bag", shown: 100, added: 2}}
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"tripod:pairs", "bag:pairs"}},
		{name: "acceptance weight off", mut: both(even, evenOrders, func(s *spec) {
			s.fb = []tFb{{anchor: "cam1", item: "tripod", shown: 100, added: 30}, {anchor: "cam1", item: "bag", shown: 100, added: 2}}
			s.policy = func(p *blob.Policy) { p.Weights.Acceptance = 0 }
		}), req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"bag:pairs", "tripod:pairs"}},
		{name: "free-delivery gap favours the item that closes it",
			mut: both(pairs(tPair{"tripod", "card", 10}, tPair{"tripod", "battery", 10}), func(s *spec) {
				s.item("card").orders, s.item("battery").orders = 100, 100
			}), req: Request{Placement: "cart", Cart: cart("tripod"), FreeDelivery: 120}, want: []string{"battery:pairs", "card:pairs"}},
		{name: "no gap, no nudge",
			mut: both(pairs(tPair{"tripod", "card", 10}, tPair{"tripod", "battery", 10}), func(s *spec) {
				s.item("card").orders, s.item("battery").orders = 100, 100
			}), req: Request{Placement: "cart", Cart: cart("tripod")}, want: []string{"card:pairs", "battery:pairs"}},
		{name: "gap far below the threshold is no nudge",
			mut: both(pairs(tPair{"tripod", "card", 10}, tPair{"tripod", "battery", 10}), func(s *spec) {
				s.item("card").orders, s.item("battery").orders = 100, 100
			}), req: Request{Placement: "cart", Cart: cart("tripod"), FreeDelivery: 500}, want: []string{"card:pairs", "battery:pairs"}},
		{name: "gap filled from related categories", mut: both(pairs(tPair{"tripod", "card", 10}), func(s *spec) {
			s.items = append(s.items, tItem{id: "card128", cat: "storage", price: 35, role: blob.RoleConsumable, orders: 10})
			s.policy = func(p *blob.Policy) { p.MaxPerCategory = 2; p.FreeDelivery = 120 }
			// The mined complement keeps the first slot; the gap filler (a
			// fallback without evidence) comes next.
		}), req: Request{Placement: "cart", Cart: cart("tripod")}, want: []string{"card:pairs", "card128:gap"}},
	})
}

func TestVarietyAndK(t *testing.T) {
	three := pairs(tPair{"cam1", "card", 40}, tPair{"cam1", "card2", 40}, tPair{"cam1", "lens", 30})
	runCases(t, []ruleCase{
		{name: "one per category by default", mut: three, req: Request{Placement: "product", Anchor: "cam1"},
			want: []string{"lens:pairs", "card2:pairs"}},
		{name: "two per category", mut: both(three, func(s *spec) { s.policy = func(p *blob.Policy) { p.MaxPerCategory = 2 } }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "card2:pairs", "card:pairs"}},
		{name: "no variety limit", mut: both(three, func(s *spec) { s.policy = func(p *blob.Policy) { p.MaxPerCategory = 0 } }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "card2:pairs", "card:pairs"}},
		{name: "k per placement", mut: both(camPairs, func(s *spec) { s.policy = func(p *blob.Policy) { p.K[blob.PlacementProduct] = 2 } }),
			req: Request{Placement: "product", Anchor: "cam1"}, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "k from the context", mut: camPairs, req: Request{Placement: "product", Anchor: "cam1", K: 1}, want: []string{"lens:pairs"}},
	})
}

func TestPostPurchase(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "replenish after the interval", req: Request{Placement: "email", Owned: []OwnedID{{ID: "battery", At: now - 200*86400}}},
			want: []string{"battery:replenish"}},
		{name: "no replenish before the interval", req: Request{Placement: "email", Owned: []OwnedID{{ID: "battery", At: now - 100*86400}}},
			want: []string{}},
		{name: "replenish not on product pages", req: Request{Placement: "product", Anchor: "cam1", Owned: []OwnedID{{ID: "battery", At: now - 200*86400}}},
			want: []string{}},
		{name: "viewed earlier after the order", mut: pairs(tPair{"cam1", "lens", 30}),
			req:  Request{Placement: "order_confirmation", Cart: cart("cam1"), Viewed: []string{"tripod"}},
			want: []string{"lens:pairs", "tripod:viewed"}},
		{name: "viewed but bought is not suggested",
			req:  Request{Placement: "order_confirmation", Cart: cart("cam1"), Viewed: []string{"cam1"}},
			want: []string{}},
		{name: "email anchors on past purchases", mut: pairs(tPair{"cam1", "lens", 30}),
			req:  Request{Placement: "email", Owned: []OwnedID{{ID: "cam1", At: now - 10*86400}}},
			want: []string{"lens:pairs"}},
	})
}

func TestReasons(t *testing.T) {
	s := shop()
	s.pairs = []tPair{{"cam1", "lens", 30}, {"cam1", "card", 1}}
	s.item("card").orders = 1000
	s.rows = []tRow{{anchor: "cam1", comp: "tripod", reason: "steady shots"}, {anchor: "cam1", comp: "bag"}}
	s.policy = func(p *blob.Policy) { p.Weights.Shrinkage = 0 }
	e := build(t, s)
	var ctx Context
	if _, err := e.Resolve(&Request{Placement: "product", Anchor: "cam1", Now: now, K: 3}, &ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"tripod": "steady shots",
		"bag":    "goes well with Cam1",
		"lens":   "bought together in 30 orders, 5× more often than chance",
	}
	list := e.Recommend(&ctx, nil)
	if len(list) != 3 {
		t.Fatalf("got %v", render(e, list))
	}
	for _, sg := range list {
		id := e.b.Items.ID[sg.Item]
		t.Run(id, func(t *testing.T) {
			if g := e.Reason(&sg); g != want[id] {
				t.Fatalf("reason %q, want %q", g, want[id])
			}
		})
	}
	for _, tc := range []struct {
		name string
		s    Suggestion
		want string
	}{
		{"one order, no lift", Suggestion{Rule: RulePairs, Evidence: Evidence{NAB: 1, Lift: 1}}, "bought together in 1 order"},
		{"triple", Suggestion{Rule: RuleTriple, Evidence: Evidence{NAB: 12, Lift: 3.24}}, "bought with these together in 12 orders, 3.2× more often than chance"},
		{"replenish", Suggestion{Rule: RuleReplenish, Item: 8, Anchor: -1}, "time to restock: usually bought again every 180 days"},
		{"viewed", Suggestion{Rule: RuleViewed, Anchor: -1}, "you looked at this earlier"},
		{"gap", Suggestion{Rule: RuleGap, Anchor: -1}, "adds free delivery to your order"},
		{"impulse", Suggestion{Rule: RuleImpulse, Anchor: -1}, "a popular last-minute add"},
		{"category", Suggestion{Rule: RuleCategory, Anchor: 0, Item: 2}, "popular with cameras"},
		{"upsell", Suggestion{Rule: RuleUpsell, Anchor: 0, Item: 1}, "a step up for 4% more"},
		{"downsell", Suggestion{Rule: RuleDownsell, Anchor: 2, Item: 4}, "similar, 70% less"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := e.Reason(&tc.s); g != tc.want {
				t.Fatalf("reason %q, want %q", g, tc.want)
			}
		})
	}
}

func TestEvidenceCounts(t *testing.T) {
	s := shop()
	s.pairs = []tPair{{"cam1", "lens", 30}}
	e := build(t, s)
	var ctx Context
	e.Resolve(&Request{Placement: "product", Anchor: "cam1", Now: now}, &ctx)
	list := e.Recommend(&ctx, nil)
	if len(list) != 1 {
		t.Fatalf("got %v", render(e, list))
	}
	want := Evidence{NAB: 30, NA: 100, NB: 60, N: 1000, Lift: 5}
	if list[0].Evidence != want || list[0].Fallback || list[0].Kind != blob.KindAccessory || list[0].Anchor != 0 {
		t.Fatalf("got %+v, want evidence %+v, accessory, anchor cam1, no fallback", list[0], want)
	}
}

// The price cap's anchor by placement: on product and add_to_cart a
// complement costs at most max_price_ratio × the anchor it goes with; where
// the whole cart is the anchor (cart, checkout, order_confirmation, email)
// at most that ratio × the dearest item in the cart. The bag (60) goes only
// with the tripod (90, half is 45) in a cart that also holds the camera
// (500, half is 250); the lens (300) is over half of either.
func TestPriceCapByPlacement(t *testing.T) {
	viaTripod := both(pairs(tPair{"tripod", "bag", 20}, tPair{"tripod", "lens", 20}), func(s *spec) { s.item("lens").price = 300 })
	camAndTripod := cart("cam1", "tripod")
	runCases(t, []ruleCase{
		{name: "product: the anchor it goes with", mut: viaTripod,
			req: Request{Placement: "product", Anchor: "tripod", Cart: cart("cam1")}, want: []string{}},
		{name: "add_to_cart: the anchor it goes with", mut: viaTripod,
			req: Request{Placement: "add_to_cart", Anchor: "tripod", Cart: camAndTripod}, want: []string{}},
		{name: "cart: the dearest cart item", mut: viaTripod,
			req: Request{Placement: "cart", Cart: camAndTripod}, want: []string{"bag:pairs"}},
		{name: "checkout: the dearest cart item", mut: viaTripod,
			req: Request{Placement: "checkout", Cart: camAndTripod}, want: []string{"bag:pairs", "candy:impulse"}},
		{name: "order_confirmation: the dearest cart item", mut: viaTripod,
			req: Request{Placement: "order_confirmation", Cart: camAndTripod}, want: []string{"bag:pairs"}},
		{name: "email: the dearest cart item", mut: viaTripod,
			req: Request{Placement: "email", Cart: camAndTripod}, want: []string{"bag:pairs"}},
		{name: "email without a cart: the dearest past purchase", mut: viaTripod,
			req:  Request{Placement: "email", Owned: []OwnedID{{ID: "cam1", At: now - 86400}, {ID: "tripod", At: now - 86400}}},
			want: []string{"bag:pairs"}},
		{name: "cart: no dear item, no looser cap", mut: viaTripod,
			req: Request{Placement: "cart", Cart: cart("tripod")}, want: []string{}},
		{name: "cart: the ratio per placement applies to the dearest item", mut: both(viaTripod, func(s *spec) {
			s.policy = func(p *blob.Policy) { p.MaxPriceRatio[blob.PlacementCart] = 0.1 }
		}), req: Request{Placement: "cart", Cart: camAndTripod}, want: []string{}},
	})
}

// Whole-cart evidence weighs each cart item by its specificity ln(1 + N/n_A):
// the memory card (200 of 1000 orders) says less about the basket than the
// camera (100 orders). card→bag has the larger cosine (0.400 vs 0.387), but
// the camera's pair wins once both are weighted.
func TestSpecificity(t *testing.T) {
	cardAndCam := pairs(tPair{"card", "bag", 40}, tPair{"cam1", "lens", 30})
	runCases(t, []ruleCase{
		{name: "a popular cart item says less", mut: cardAndCam,
			req: Request{Placement: "cart", Cart: cart("card", "cam1")}, want: []string{"lens:pairs", "bag:pairs"}},
		// card in 100 orders, bag with it in 29: cosine 0.410 against 0.387.
		{name: "as popular as the camera: the cosine decides", mut: both(pairs(tPair{"card", "bag", 29}, tPair{"cam1", "lens", 30}),
			func(s *spec) { s.item("card").orders = 100 }),
			req: Request{Placement: "cart", Cart: cart("card", "cam1")}, want: []string{"bag:pairs", "lens:pairs"}},
	})
}

// Every kept neighbour of a cart item adds PairFloor over the cart's anchor
// weight: the battery, a weak neighbour of both the camera (cosine 0.120)
// and the tripod (0.094), outranks the lens, a middling neighbour of the
// camera alone (0.168), whose cube alone would win.
func TestPairFloor(t *testing.T) {
	weakTwice := pairs(tPair{"cam1", "battery", 10}, tPair{"tripod", "battery", 5}, tPair{"cam1", "lens", 13})
	runCases(t, []ruleCase{
		{name: "two cart items pointing at one item outrank one middling pair", mut: weakTwice,
			req: Request{Placement: "cart", Cart: cart("cam1", "tripod")}, want: []string{"battery:pairs", "lens:pairs"}},
		{name: "one anchor: the cosine ranks as before", mut: weakTwice,
			req: Request{Placement: "cart", Cart: cart("cam1")}, want: []string{"lens:pairs", "battery:pairs"}},
	})
}

// The evidence power q of the policy (blob.Weights.EvidencePower): the lens
// is a strong neighbour of the camera alone (cosine 0.416), the bag a
// weaker one of both the camera (0.170) and the tripod (0.179). Summed as
// they are (q = 1) the two cart items' votes put the bag first; from q = 2
// on the strong pair wins. 0 (a blob written before the field) and values
// outside 1..8 mean 3.
func TestEvidencePower(t *testing.T) {
	lensOrBag := func(q float64) func(s *spec) {
		return both(pairs(tPair{"cam1", "lens", 25}, tPair{"cam1", "bag", 12}, tPair{"tripod", "bag", 8}),
			func(s *spec) { s.policy = func(p *blob.Policy) { p.Weights.EvidencePower = q } })
	}
	camAndTripod := Request{Placement: "cart", Cart: cart("cam1", "tripod")}
	runCases(t, []ruleCase{
		{name: "absent: q = 3", mut: lensOrBag(0), req: camAndTripod, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "q = 1: the sum of both cart items' cosines", mut: lensOrBag(1), req: camAndTripod, want: []string{"bag:pairs", "lens:pairs"}},
		{name: "q = 2", mut: lensOrBag(2), req: camAndTripod, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "q = 4", mut: lensOrBag(4), req: camAndTripod, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "q = 1.5 through math.Pow", mut: lensOrBag(1.5), req: camAndTripod, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "q = 0.5 is out of bounds: read as 3", mut: lensOrBag(0.5), req: camAndTripod, want: []string{"lens:pairs", "bag:pairs"}},
		{name: "one anchor: q keeps the order", mut: lensOrBag(1), req: Request{Placement: "cart", Cart: cart("cam1")}, want: []string{"lens:pairs", "bag:pairs"}},
	})
}

// A variant's own q is scored pair by pair (the precomputed rows hold the
// base policy's q): its visitors get what a shop whose policy has that q
// gets, scores included; a variant that does not name q keeps the shop's.
func TestEvidencePowerVariant(t *testing.T) {
	withQ := func(q float64, variants ...blob.Variant) spec {
		s := shop()
		s.pairs = []tPair{{"cam1", "lens", 25}, {"cam1", "bag", 12}, {"tripod", "bag", 8}, {"cam1", "card", 30}, {"tripod", "card", 4}}
		s.policy = func(p *blob.Policy) {
			p.Weights.EvidencePower = q
			if len(variants) > 0 {
				p.Experiments = []blob.Experiment{{Name: "q", Variants: variants}}
			}
		}
		return s
	}
	def := blob.DefaultPolicy().Weights
	q1 := def
	q1.EvidencePower = 1
	e := build(t, withQ(3, blob.Variant{Name: "q1", Weight: 1, Weights: &q1}, blob.Variant{Name: "keeps q", Weight: 1, Weights: &def}))
	visitors := map[string]string{}
	for i := 0; len(visitors) < 2 && i < 1000; i++ {
		id := "v" + strconv.Itoa(i)
		if v, ok := e.Variant(id, "q"); ok && visitors[v.Name] == "" {
			visitors[v.Name] = id
		}
	}
	req := Request{Placement: "cart", Cart: cart("cam1", "tripod"), Now: now}
	for _, tc := range []struct {
		variant string
		like    *Engine
		first   string
	}{
		{"q1", build(t, withQ(1)), "bag:pairs"},
		{"keeps q", build(t, withQ(3)), "lens:pairs"},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			r := req
			r.Visitor = visitors[tc.variant]
			var ctx, ctxLike Context
			if _, err := e.Resolve(&r, &ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.like.Resolve(&req, &ctxLike); err != nil {
				t.Fatal(err)
			}
			got, want := e.Recommend(&ctx, nil), tc.like.Recommend(&ctxLike, nil)
			if !reflect.DeepEqual(render(e, got), render(tc.like, want)) || len(got) < 2 || render(e, got)[0] != tc.first {
				t.Fatalf("visitor %s: %v, want %v (first %s)", r.Visitor, render(e, got), render(tc.like, want), tc.first)
			}
			for i := range got {
				if d := math.Abs(float64(got[i].Score - want[i].Score)); d > 1e-5 {
					t.Errorf("%d: score %v, want %v", i, got[i].Score, want[i].Score)
				}
			}
		})
	}
}
