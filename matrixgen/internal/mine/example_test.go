package mine_test

import (
	"fmt"

	"github.com/xsell/xsell/matrixgen/internal/mine"
	"github.com/xsell/xsell/wasm/blob"
)

func ExampleMine() {
	// Items: 0 camera, 1 lens, 2 memory card, 3 tripod, 4 batteries.
	b := &mine.Baskets{NItems: 5, Off: []uint32{0}}
	add := func(n int, items ...uint32) {
		for range n {
			b.Items = append(b.Items, items...)
			b.Off = append(b.Off, uint32(len(b.Items)))
		}
	}
	add(30, 0, 1, 2)
	add(10, 0, 2)
	add(25, 3, 4)
	add(40, 4)
	add(20, 1)
	res, err := mine.Mine(b, mine.Options{Mining: blob.Mining{MinCount: 3, Neighbours: 2}, NoTriples: true})
	if err != nil {
		panic(err)
	}
	p := res.Pairs
	for a := range b.NItems {
		for k := p.Off[a]; k < p.Off[a+1]; k++ {
			fmt.Printf("%d → %d: n_AB %d, n_A %d, n_B %d, lift ≥ %.2f\n", a, p.To[k], p.NAB[k],
				res.Orders[a], res.Orders[p.To[k]], mine.LiftLower(p.NAB[k], res.Orders[a], res.Orders[p.To[k]], res.Stats.Orders, 1.96))
		}
	}
	fmt.Println("orders:", res.Stats.Orders)
	// Output:
	// 0 → 2: n_AB 40, n_A 40, n_B 40, lift ≥ 2.85
	// 0 → 1: n_AB 30, n_A 40, n_B 50, lift ≥ 1.50
	// 1 → 0: n_AB 30, n_A 50, n_B 40, lift ≥ 1.44
	// 1 → 2: n_AB 30, n_A 50, n_B 40, lift ≥ 1.44
	// 2 → 0: n_AB 40, n_A 40, n_B 40, lift ≥ 2.85
	// 2 → 1: n_AB 30, n_A 40, n_B 50, lift ≥ 1.50
	// 3 → 4: n_AB 25, n_A 25, n_B 65, lift ≥ 1.67
	// 4 → 3: n_AB 25, n_A 65, n_B 25, lift ≥ 1.38
	// orders: 125
}
