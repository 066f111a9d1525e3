package main

import (
	"bytes"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

func TestRawblobKeepsTheHash(t *testing.T) {
	var st blob.StringTable
	b := &blob.Blob{Created: 1_700_000_000, Generator: "test", Policy: blob.DefaultPolicy()}
	b.Items.ID = []string{"cam", "lens"}
	b.Items.Title = []string{"Camera", "Lens"}
	b.Items.Price = []float64{500, 200}
	b.Items.Currency = []uint32{st.Ref("GBP"), st.Ref("GBP")}
	b.Items.Orders = []uint32{10, 1}
	b.Strings = st.Strings
	zst, err := blob.Encode(b, blob.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	zh, _ := blob.ParseHeader(zst)
	if zh.Flags&blob.FlagZstd == 0 {
		t.Fatal("the test blob is not zstd")
	}
	var out bytes.Buffer
	if err := run(bytes.NewReader(zst), &out); err != nil {
		t.Fatal(err)
	}
	rh, err := blob.ParseHeader(out.Bytes())
	if err != nil || rh.Flags&blob.FlagZstd != 0 || rh.Hash != zh.Hash {
		t.Fatalf("raw header %+v (%v), zstd header %+v", rh, err, zh)
	}
	if _, err := blob.Decode(out.Bytes(), blob.DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := run(bytes.NewReader([]byte("hello")), &out); err == nil {
		t.Error("not a blob: no error")
	}
}
