// Command matrixgen turns a shop's catalog, order history and curated
// cross-sell matrix into the xsell blob, and explains and reports on it.
//
//	matrixgen build --orders orders.csv [--catalog catalog.csv] [--matrix matrix.csv] -o shop.blob
//	matrixgen inspect shop.blob
//	matrixgen explain shop.blob ITEM_A ITEM_B
//	matrixgen report shop.blob -o report.html
//	matrixgen publish shop.blob --endpoint https://xsell.example.com
//
// See docs/matrixgen.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
