package wisp

// #include <wisp/wisp.h>
import "C"

import "unsafe"

// Tokenize encodes text (any bytes; invalid UTF-8 falls back to byte tokens)
// into token ids, with the BOS id first if addBOS and the tokenizer has one.
// Safe for concurrent use.
func (m *Model) Tokenize(text string, addBOS bool) ([]int32, error) {
	data := []byte(text)
	var ids []int32
	err := m.use(func(ptr *C.wisp_model) (err error) {
		ids, err = askThenCopy[int32](func(buf unsafe.Pointer, capacity C.size_t, size *C.size_t) C.wisp_status {
			return C.wisp_tokenize(ptr, bytesPtr(data), C.size_t(len(data)),
				cBool(addBOS), (*C.int32_t)(buf), capacity, size)
		})
		return err
	})
	return ids, err
}

// Detokenize decodes ids the way llama2.c prints them (a BOS id is dropped
// with the leading space after it; byte tokens become raw bytes). The result
// holds the raw bytes, which are valid UTF-8 unless the ids cut a multi-byte
// character. Safe for concurrent use.
func (m *Model) Detokenize(ids []int32) (string, error) {
	var text []byte
	err := m.use(func(ptr *C.wisp_model) (err error) {
		text, err = askThenCopy[byte](func(buf unsafe.Pointer, capacity C.size_t, size *C.size_t) C.wisp_status {
			return C.wisp_detokenize(ptr, idsPtr(ids), C.size_t(len(ids)),
				(*C.char)(buf), capacity, size)
		})
		return err
	})
	return string(text), err
}

// TokenText returns the bytes of token as printed after prev (-1: no
// previous token): what a stream shows for it. A byte-fallback token gives a
// single byte that may be only part of a UTF-8 character. Safe for
// concurrent use.
func (m *Model) TokenText(prev, token int32) ([]byte, error) {
	var text []byte
	err := m.use(func(ptr *C.wisp_model) (err error) {
		text, err = askThenCopy[byte](func(buf unsafe.Pointer, capacity C.size_t, size *C.size_t) C.wisp_status {
			return C.wisp_token_to_text(ptr, C.int32_t(prev), C.int32_t(token),
				(*C.char)(buf), capacity, size)
		})
		return err
	})
	return text, err
}
