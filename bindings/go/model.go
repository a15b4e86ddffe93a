package wisp

// #include <stdlib.h>
// #include <wisp/wisp.h>
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Model is a loaded model file, safe to share between goroutines: immutable
// but for SetExactBf16Products.
type Model struct {
	// mu guards ptr, closed and children; calls on the model hold it for
	// reading so that Close cannot free the model under them.
	mu       sync.RWMutex
	ptr      *C.wisp_model
	config   ModelConfig
	closed   bool
	children int // open sessions and trainers, which need ptr alive
}

// Load loads a .wisp model file with the default parameters.
func Load(path string) (*Model, error) {
	return LoadWithParams(path, DefaultModelParams())
}

// LoadWithParams loads a .wisp model file, memory-mapping its weights.
// Errors: ErrNotFound, ErrCorrupt, ErrUnsupported, ErrInvalidArgument.
func LoadWithParams(path string, params ModelParams) (*Model, error) {
	cpath, err := cPath(path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	cparams := params.toC()
	var ptr *C.wisp_model
	if err := call(func() C.wisp_status {
		return C.wisp_model_load(cpath, &cparams, &ptr)
	}); err != nil {
		return nil, err
	}
	var cconfig C.wisp_model_config
	cconfig.struct_size = C.sizeof_wisp_model_config
	if err := call(func() C.wisp_status {
		return C.wisp_model_get_config(ptr, &cconfig)
	}); err != nil {
		C.wisp_model_free(ptr)
		return nil, err
	}
	m := &Model{ptr: ptr, config: modelConfigFromC(&cconfig)}
	runtime.SetFinalizer(m, (*Model).Close)
	return m, nil
}

// Close releases the model. If sessions or trainers on it are still open,
// the release waits until the last of them is closed; the model itself
// refuses further calls at once. Closing twice is harmless.
func (m *Model) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	runtime.SetFinalizer(m, nil)
	m.freeIfUnused()
	return nil
}

// freeIfUnused frees the C model once it is closed and has no children.
// Called with mu held for writing.
func (m *Model) freeIfUnused() {
	if m.closed && m.children == 0 && m.ptr != nil {
		C.wisp_model_free(m.ptr)
		m.ptr = nil
	}
}

// addChild registers a new session or trainer, which keeps the C model
// alive until removeChild.
func (m *Model) addChild() (*C.wisp_model, error) {
	if m == nil {
		return nil, nilHandle("Model")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	m.children++
	return m.ptr, nil
}

func (m *Model) removeChild() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.children--
	m.freeIfUnused()
}

// use runs f with the C model, read-locked against Close.
func (m *Model) use(f func(*C.wisp_model) error) error {
	if m == nil {
		return nilHandle("Model")
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	return f(m.ptr)
}

// Config returns the model's configuration (read once at load); the zero
// ModelConfig for a nil *Model.
func (m *Model) Config() ModelConfig {
	if m == nil {
		return ModelConfig{}
	}
	return m.config
}

// SetExactBf16Products chooses how the model's bf16 weight matrices
// multiply activations. true: always exactly, each weight widened to f32 and
// multiplied by the f32 activations, so a prompt's logits are the same on
// every CPU up to f32 summation order. false, the setting after loading:
// prompts may round the activations to bf16 for the CPU's bf16 dot-product
// instructions (AVX512_BF16), about 1.8x faster prefill. WISP_BF16_DOT=0 in
// the environment makes every model exact; f32 models are unaffected. It
// takes effect for forward passes that start after it returns, also in
// sessions created before; each pass reads the setting once at its start.
// Safe for concurrent use, also while sessions on the model run.
func (m *Model) SetExactBf16Products(exact bool) error {
	return m.use(func(ptr *C.wisp_model) error {
		return call(func() C.wisp_status {
			return C.wisp_model_set_exact_bf16_products(ptr, cBool(exact))
		})
	})
}

// ExactBf16Products reports the SetExactBf16Products setting; false for a
// nil or closed Model. Safe for concurrent use.
func (m *Model) ExactBf16Products() bool {
	exact := false
	_ = m.use(func(ptr *C.wisp_model) error {
		exact = C.wisp_model_exact_bf16_products(ptr) != 0
		return nil
	})
	return exact
}

// Evaluate returns the mean cross-entropy (natural log) of the model over
// text for params.Objective; perplexity is exp(loss). params may be nil for
// the defaults. Safe for concurrent use.
func (m *Model) Evaluate(text string, params *EvalParams) (float32, error) {
	var loss C.float
	data := []byte(text)
	err := m.use(func(ptr *C.wisp_model) error {
		var cparams *C.wisp_eval_params
		if params != nil {
			c, free, err := params.toC()
			if err != nil {
				return err
			}
			defer free()
			cparams = &c
		}
		return call(func() C.wisp_status {
			return C.wisp_model_evaluate(ptr, bytesPtr(data), C.size_t(len(data)),
				cparams, &loss)
		})
	})
	return float32(loss), err
}
