package wisp

import "sync"

// exclusive is the one-call-at-a-time discipline of a Session or Trainer,
// whose C objects are single-threaded: every call claims the object with
// TryLock, so an overlapping call (another goroutine's, or one made from
// inside a callback) fails with ErrBusy instead of racing in C or
// deadlocking.
type exclusive struct {
	busy   sync.Mutex
	closed bool
}

// enter claims the object for one call; leave releases it.
func (e *exclusive) enter() error {
	if !e.busy.TryLock() {
		return ErrBusy
	}
	if e.closed {
		e.busy.Unlock()
		return ErrClosed
	}
	return nil
}

func (e *exclusive) leave() { e.busy.Unlock() }

// close runs release once, unless a call is running (ErrBusy).
func (e *exclusive) close(release func()) error {
	if !e.busy.TryLock() {
		return ErrBusy
	}
	defer e.busy.Unlock()
	if !e.closed {
		e.closed = true
		release()
	}
	return nil
}
