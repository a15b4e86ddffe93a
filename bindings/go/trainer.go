package wisp

// #include <stdlib.h>
// #include <wisp/wisp.h>
// #include "callbacks.h"
import "C"

import (
	"context"
	"errors"
	"runtime"
	"unsafe"
)

// Trainer fine-tunes a copy of every weight of a Model. Use it from one
// goroutine at a time; it may move between goroutines. Overlapping calls
// fail with ErrBusy.
type Trainer struct {
	exclusive
	ptr   *C.wisp_trainer
	model *Model
}

// NewTrainer creates a trainer on the model (which is not changed); params
// may be nil for the defaults. The model stays loaded until the trainer is
// closed.
func (m *Model) NewTrainer(params *TrainerParams) (*Trainer, error) {
	mptr, err := m.addChild()
	if err != nil {
		return nil, err
	}
	var cparams *C.wisp_trainer_params
	if params != nil {
		c, free, err := params.toC()
		if err != nil {
			m.removeChild()
			return nil, err
		}
		defer free()
		cparams = &c
	}
	var ptr *C.wisp_trainer
	if err := call(func() C.wisp_status {
		return C.wisp_trainer_create(mptr, cparams, &ptr)
	}); err != nil {
		m.removeChild()
		return nil, err
	}
	t := &Trainer{ptr: ptr, model: m}
	runtime.SetFinalizer(t, (*Trainer).Close)
	return t, nil
}

// with runs f with the C trainer claimed.
func (t *Trainer) with(f func(*C.wisp_trainer) error) error {
	if t == nil {
		return nilHandle("Trainer")
	}
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	return f(t.ptr)
}

// Close releases the trainer and its copy of the weights. Closing twice is
// harmless; closing during a call fails with ErrBusy.
func (t *Trainer) Close() error {
	if t == nil {
		return nil
	}
	return t.close(func() {
		runtime.SetFinalizer(t, nil)
		C.wisp_trainer_free(t.ptr)
		t.ptr = nil
		t.model.removeChild()
	})
}

// SetDataText sets the training data as text (tokenized with a leading BOS,
// cut into windows, the last EvalFraction held out). Replaces earlier data.
func (t *Trainer) SetDataText(text string) error {
	data := []byte(text)
	return t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status {
			return C.wisp_trainer_set_data_text(ptr, bytesPtr(data), C.size_t(len(data)))
		})
	})
}

// SetDataIDs sets the training data as token ids (no BOS added).
func (t *Trainer) SetDataIDs(ids []int32) error {
	return t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status {
			return C.wisp_trainer_set_data_ids(ptr, idsPtr(ids), C.size_t(len(ids)))
		})
	})
}

// Step takes one optimizer step. ErrInvalidArgument without data;
// ErrInternal on a non-finite gradient (the weights are left unchanged).
func (t *Trainer) Step() (StepInfo, error) {
	var info C.wisp_step_info
	info.struct_size = C.sizeof_wisp_step_info
	err := t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status { return C.wisp_trainer_step(ptr, &info) })
	})
	if err != nil {
		return StepInfo{}, err
	}
	return stepInfoFromC(&info), nil
}

// Train takes up to nSteps steps, calling onStep (may be nil) after each.
// It stops early when onStep returns an error (returned as is; ErrStop gives
// nil) or when ctx is done (returns ctx.Err()); the steps taken are kept.
func (t *Trainer) Train(ctx context.Context, nSteps int, onStep func(StepInfo) error) error {
	if nSteps < 0 {
		return invalidArgument("nSteps is negative")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.with(func(ptr *C.wisp_trainer) error {
		st := &callbackState{ctx: ctx, onStep: onStep}
		needed := onStep != nil || ctx.Done() != nil
		err := withCallback(st, needed, func(handle C.uintptr_t) error {
			return call(func() C.wisp_status {
				return C.wisp_go_train(ptr, C.size_t(nSteps), handle)
			})
		})
		st.rethrow()
		if st.err != nil {
			// C reports the stop as ErrCancelled; the cause is more useful.
			if errors.Is(st.err, ErrStop) {
				return nil
			}
			return st.err
		}
		return err
	})
}

// Evaluate returns the mean loss of the current weights on the held-out
// part of the data (all of it if nothing is held out).
func (t *Trainer) Evaluate() (float32, error) {
	var loss C.float
	err := t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status { return C.wisp_trainer_evaluate(ptr, &loss) })
	})
	return float32(loss), err
}

// EvaluateText returns the mean loss of the current weights on text.
func (t *Trainer) EvaluateText(text string) (float32, error) {
	var loss C.float
	data := []byte(text)
	err := t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status {
			return C.wisp_trainer_evaluate_text(ptr, bytesPtr(data), C.size_t(len(data)), &loss)
		})
	})
	return float32(loss), err
}

// Steps returns the optimizer steps taken so far, including those before a
// Resume.
func (t *Trainer) Steps() (int64, error) {
	var step C.int64_t
	err := t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status { return C.wisp_trainer_get_step(ptr, &step) })
	})
	return int64(step), err
}

// Threads returns the threads the trainer computes with, the caller's
// included, reduced to the CPUs as a session's are (Session.Threads).
func (t *Trainer) Threads() (int, error) {
	var threads C.int32_t
	err := t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status { return C.wisp_trainer_threads(ptr, &threads) })
	})
	return int(threads), err
}

// SaveCheckpoint writes a training checkpoint (weights, optimizer state,
// step, data position) atomically to path. A checkpoint also loads as a
// model.
func (t *Trainer) SaveCheckpoint(path string) error {
	return t.withPath(path, func(ptr *C.wisp_trainer, cpath *C.char) C.wisp_status {
		return C.wisp_trainer_save_checkpoint(ptr, cpath)
	})
}

// Resume continues from a checkpoint of the same model shape. Call it after
// setting the same data; the following steps then match an uninterrupted
// run. On error the trainer is unchanged.
func (t *Trainer) Resume(path string) error {
	return t.withPath(path, func(ptr *C.wisp_trainer, cpath *C.char) C.wisp_status {
		return C.wisp_trainer_resume(ptr, cpath)
	})
}

// ExportModel writes the current weights atomically as a model file.
func (t *Trainer) ExportModel(path string) error {
	return t.withPath(path, func(ptr *C.wisp_trainer, cpath *C.char) C.wisp_status {
		return C.wisp_trainer_export_model(ptr, cpath)
	})
}

// withPath runs a C call taking the trainer and a file path.
func (t *Trainer) withPath(path string, f func(*C.wisp_trainer, *C.char) C.wisp_status) error {
	cpath, err := cPath(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	return t.with(func(ptr *C.wisp_trainer) error {
		return call(func() C.wisp_status { return f(ptr, cpath) })
	})
}
