// Command rawblob writes the blob on stdin to stdout with its body stored
// raw (blob.Recode): the same hash and signature, no zstd. The browser core
// reads raw bodies only; the edge recodes what it is sent, and
// web/scripts/devserver.mjs, which cannot inflate zstd in Node, runs this.
//
//	go run ./web/cmd/rawblob < shop.blob > shop.raw.blob
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/xsell/xsell/wasm/blob"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rawblob:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	lim := blob.DefaultLimits
	src, err := io.ReadAll(io.LimitReader(in, int64(lim.MaxRawBytes)+1))
	if err != nil {
		return err
	}
	if uint64(len(src)) > lim.MaxRawBytes {
		return fmt.Errorf("stdin: over %d bytes", lim.MaxRawBytes)
	}
	raw, err := blob.Recode(src, true, lim)
	if err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	_, err = out.Write(raw)
	return err
}
