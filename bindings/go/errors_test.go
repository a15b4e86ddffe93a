package wisp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorsMatchSentinelsByStatus(t *testing.T) {
	err := fmt.Errorf("loading: %w", &Error{Status: StatusCorrupt, Message: "bad magic"})
	if !errors.Is(err, ErrCorrupt) {
		t.Error("a wrapped corrupt error is not ErrCorrupt")
	}
	if errors.Is(err, ErrNotFound) {
		t.Error("a corrupt error matches ErrNotFound")
	}
	var we *Error
	if !errors.As(err, &we) || we.Message != "bad magic" {
		t.Errorf("errors.As gave %+v", we)
	}
	if got := we.Error(); got != "wisp: bad magic (WISP_ERR_CORRUPT)" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(ErrClosed, ErrInvalidArgument) || errors.Is(ErrClosed, ErrBusy) {
		t.Error("ErrClosed should be an invalid argument and nothing else")
	}
}

func TestStatusNamesComeFromTheLibrary(t *testing.T) {
	if got := StatusMismatch.String(); got != "WISP_ERR_MISMATCH" {
		t.Errorf("StatusMismatch = %q", got)
	}
	if got := StatusOK.String(); got != "WISP_OK" {
		t.Errorf("StatusOK = %q", got)
	}
}

func TestVersions(t *testing.T) {
	if APIVersion()>>16 != HeaderAPIVersion>>16 {
		t.Errorf("library API %#x, header %#x", APIVersion(), HeaderAPIVersion)
	}
	if v := Version(); strings.Count(v, ".") != 2 {
		t.Errorf("Version() = %q", v)
	}
}
