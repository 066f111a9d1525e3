package api_test

import (
	"fmt"

	"github.com/xsell/xsell/edge/api"
)

func ExampleParseEvents() {
	now := int64(1_763_800_000_000)
	body := []byte(`{"events":[
	  {"id":"evt-00000001","type":"click","ts":1763799999000,"placement":"cart","anchor":"cam-1","item":"lens-2","rule":"pairs","visitor":"v-12345678"},
	  {"id":"evt-00000002","type":"click","ts":1763799999000,"placement":"sidebar","item":"lens-2","visitor":"v-12345678"}
	]}`)
	b, err := api.ParseEvents(body, now, api.DefaultEventLimits)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range b.Events {
		fmt.Println("accepted", e.ID, e.Type, e.Day, e.Anchor, "→", e.Item)
	}
	for _, r := range b.Rejected {
		fmt.Println("rejected", r.Index, r.Field)
	}
	// Output:
	// accepted evt-00000001 click 2025-11-22 cam-1 → lens-2
	// rejected 1 placement
}

func ExampleWriteExport() {
	out, _ := api.WriteExport([]api.PairRow{
		{Anchor: "cam-1", Item: "lens-2", Shown: 120, Clicked: 14, Added: 6, Bought: 4, Dismissed: 3},
		{Anchor: "", Item: "gift-card", Shown: 40, Added: 1},
	})
	fmt.Print(string(out))
	// Output:
	// anchor,item,shown,clicked,added,bought,dismissed
	// cam-1,lens-2,120,14,6,4,3
	// *,gift-card,40,0,1,0,0
}
