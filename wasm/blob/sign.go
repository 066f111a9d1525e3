//go:build !xsell_lite

package blob

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// verifySignature checks the header signature against key.
func verifySignature(b []byte, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key has %d bytes", ErrSignature, len(key))
	}
	if binary.LittleEndian.Uint32(b[8:])&FlagSigned == 0 {
		return fmt.Errorf("%w: blob is not signed", ErrSignature)
	}
	var hash [32]byte
	copy(hash[:], b[32:64])
	if !ed25519.Verify(key, signedMessage(hash), b[64:128]) {
		return ErrSignature
	}
	return nil
}

func signedMessage(hash [32]byte) []byte { return append([]byte(Magic), hash[:]...) }
