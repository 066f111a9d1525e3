package blob

import (
	"encoding/binary"
)

// HeaderSize is the fixed size of the header in bytes.
//
//	0   4  magic "XSEL"
//	4   2  major version (LE)
//	6   2  minor version
//	8   4  flags
//	12  4  reserved (0)
//	16  8  raw body length (uncompressed msgpack)
//	24  8  stored body length (as it follows the header)
//	32 32  SHA-256 of the raw body: the blob's identity
//	64 64  Ed25519 signature of "XSEL" + the hash, or zeros
const HeaderSize = 128

// Magic starts every blob.
const Magic = "XSEL"

// Header flags.
const (
	// FlagZstd: the stored body is a zstd frame of the raw body.
	FlagZstd uint32 = 1 << 0
	// FlagSigned: bytes 64..128 hold an Ed25519 signature of "XSEL" + hash.
	// It covers the identity, not the compression, so Recode keeps it.
	FlagSigned uint32 = 1 << 1
)

// Header is the fixed-size prefix of a blob.
type Header struct {
	Major, Minor uint16
	Flags        uint32
	RawLen       uint64
	BodyLen      uint64
	Hash         [32]byte
	Signature    [64]byte
}

// HashHex is the blob's content address: the hex SHA-256 of its raw body. It
// does not depend on how the body is compressed.
func (h Header) HashHex() string {
	// Not encoding/hex: it imports fmt, which the browser build does without.
	const digits = "0123456789abcdef"
	var b [2 * len(h.Hash)]byte
	for i, x := range h.Hash {
		b[2*i], b[2*i+1] = digits[x>>4], digits[x&15]
	}
	return string(b[:])
}

// ParseHeader reads and checks the header at the start of b. It rejects a
// newer major version with ErrVersion, so a caller keeps its last good blob.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		if len(b) >= 4 && string(b[:4]) != Magic {
			return h, ErrMagic
		}
		return h, Wrap(ErrTruncated, Itoa(len(b))+" bytes, header needs "+Itoa(HeaderSize))
	}
	if string(b[:4]) != Magic {
		return h, ErrMagic
	}
	h.Major = binary.LittleEndian.Uint16(b[4:])
	h.Minor = binary.LittleEndian.Uint16(b[6:])
	h.Flags = binary.LittleEndian.Uint32(b[8:])
	h.RawLen = binary.LittleEndian.Uint64(b[16:])
	h.BodyLen = binary.LittleEndian.Uint64(b[24:])
	copy(h.Hash[:], b[32:64])
	copy(h.Signature[:], b[64:128])
	if h.Major != MajorVersion {
		return h, Wrap(ErrVersion, "blob is version "+Utoa(h.Major)+"."+Utoa(h.Minor)+", this reader knows "+Itoa(MajorVersion)+".x")
	}
	if h.Flags&^(FlagZstd|FlagSigned|FlagShard) != 0 {
		return h, Wrap(ErrCorrupt, "unknown flags "+Hex(h.Flags))
	}
	return h, nil
}

func (h Header) put(b []byte) {
	copy(b, Magic)
	binary.LittleEndian.PutUint16(b[4:], h.Major)
	binary.LittleEndian.PutUint16(b[6:], h.Minor)
	binary.LittleEndian.PutUint32(b[8:], h.Flags)
	binary.LittleEndian.PutUint32(b[12:], 0)
	binary.LittleEndian.PutUint64(b[16:], h.RawLen)
	binary.LittleEndian.PutUint64(b[24:], h.BodyLen)
	copy(b[32:64], h.Hash[:])
	copy(b[64:128], h.Signature[:])
}
