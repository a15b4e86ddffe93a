package main

import (
	"fmt"
	"sort"
	"strings"
)

// Compare lists every way the binding and the header disagree; none means
// the binding mirrors the whole header.
func Compare(h *Header, b *Binding) []string {
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	goTypeOf := map[string]string{} // C type -> Go mirror
	for goName, cName := range b.Mirrors {
		goTypeOf[cName] = goName
	}

	for _, enum := range sortedKeys(h.Enums) {
		goType, ok := goTypeOf[enum]
		if !ok {
			report("enum %s has no Go type documented as \"X is a %s\"", enum, enum)
		}
		for _, name := range sortedKeys(h.Enums[enum]) {
			c, ok := b.Constants[name]
			switch {
			case !ok:
				report("enumerator %s (%s) has no Go constant", name, enum)
			case c.Value != h.Enums[enum][name]:
				report("%s: %s is %d in Go but %s = %d in the header", c.Pos, c.GoName, c.Value, name, h.Enums[enum][name])
			case goType != "" && c.GoType != goType:
				report("%s: %s has type %s, want %s (mirror of %s)", c.Pos, c.GoName, c.GoType, goType, enum)
			}
		}
	}
	for name, c := range b.Constants {
		if enumOf(h, name) == "" {
			report("%s: %s mirrors %s, which the header does not declare", c.Pos, c.GoName, name)
		}
	}

	for _, st := range sortedKeys(h.Structs) {
		goType, ok := goTypeOf[st]
		if !ok {
			report("struct %s has no Go type documented as \"X is a %s\"", st, st)
			continue
		}
		goFields := b.Fields[goType]
		for _, field := range sortedKeys(h.Structs[st]) {
			if field == "struct_size" {
				continue
			}
			cType := h.Structs[st][field]
			goField, ok := goFields[field]
			switch {
			case !ok:
				report("field %s.%s (%s) has no field tagged `wisp:\"%s\"` in %s", st, field, cType, field, goType)
			case !compatible(h, b, cType, goField):
				report("field %s.%s is %s in C but %s in %s", st, field, cType, goField, goType)
			}
		}
		for _, field := range sortedKeys(goFields) {
			if _, ok := h.Structs[st][field]; !ok {
				report("%s mirrors %s.%s, which the header does not declare", goType, st, field)
			}
		}
	}
	for goName, cName := range b.Mirrors {
		if h.Structs[cName] == nil && h.Enums[cName] == nil {
			report("Go type %s mirrors %s, which the header does not declare", goName, cName)
		}
	}

	called := map[string]bool{}
	for _, c := range b.Calls {
		params, ok := h.Functions[c.Name]
		if !ok {
			// C.wisp_status(x) is a conversion, not a call.
			if !b.isOwnCHelper(c.Name) && !declared(h, c.Name) {
				report("%s: calls %s, which the header does not declare", c.Pos, c.Name)
			}
			continue
		}
		called[c.Name] = true
		if len(c.ArgTypes) != len(params) {
			report("%s: %s called with %d arguments, the header declares %d", c.Pos, c.Name, len(c.ArgTypes), len(params))
			continue
		}
		for i, got := range c.ArgTypes {
			if got != "" && !sameCType(got, params[i]) {
				report("%s: argument %d of %s is converted to %s, the header declares %s", c.Pos, i+1, c.Name, got, params[i])
			}
		}
	}
	for _, fn := range sortedKeys(h.Functions) {
		if !called[fn] {
			report("function %s is not called by the binding", fn)
		}
	}

	for _, cb := range sortedKeys(h.Callbacks) {
		if !b.definesSignature(h.Callbacks[cb]) {
			report("callback %s %s has no C trampoline with that signature", cb, h.Callbacks[cb])
		}
	}
	for _, handle := range sortedKeys(h.Handles) {
		if len(b.CNames[handle]) == 0 {
			report("handle type %s is not used by the binding", handle)
		}
	}
	for _, name := range sortedKeys(b.CNames) {
		if !strings.HasPrefix(name, "wisp_") && !strings.HasPrefix(name, "WISP_") && !strings.HasPrefix(name, "sizeof_wisp_") {
			continue
		}
		if !declared(h, strings.TrimPrefix(name, "sizeof_")) && !b.isOwnCHelper(name) {
			report("%s: C.%s is not declared by the header", b.CNames[name][0], name)
		}
	}
	sort.Strings(problems)
	return problems
}

// isOwnCHelper tells the package's own C functions (callbacks.h) apart.
func (b *Binding) isOwnCHelper(name string) bool {
	return strings.HasPrefix(name, "wisp_go_")
}

func (b *Binding) definesSignature(sig string) bool {
	for _, s := range b.CDefinitions {
		if s == sig {
			return true
		}
	}
	return false
}

func declared(h *Header, name string) bool {
	if _, ok := h.Functions[name]; ok {
		return true
	}
	if h.Structs[name] != nil || h.Enums[name] != nil || h.Handles[name] {
		return true
	}
	if _, ok := h.Callbacks[name]; ok {
		return true
	}
	// The version macros are not parsed; everything else WISP_ is an
	// enumerator.
	return enumOf(h, name) != "" || strings.HasPrefix(name, "WISP_API_VERSION")
}

func enumOf(h *Header, enumerator string) string {
	for enum, values := range h.Enums {
		if _, ok := values[enumerator]; ok {
			return enum
		}
	}
	return ""
}

// compatible reports whether a Go field type can mirror a C field type.
func compatible(h *Header, b *Binding, cType, goType string) bool {
	basic := goType
	if u, ok := b.Underlying[goType]; ok {
		basic = u
		// An enum mirror must be a mirror of some enum.
		if h.Enums[b.Mirrors[goType]] == nil {
			return false
		}
	}
	switch cType {
	case "int32_t":
		return basic == "int32" || goType == "bool"
	case "int":
		return goType == "int32" || goType == "bool"
	case "int64_t":
		return goType == "int64"
	case "uint64_t":
		return goType == "uint64"
	case "float":
		return goType == "float32"
	case "double":
		return goType == "float64"
	case "const char*":
		return goType == "string"
	}
	return false
}

// sameCType compares a Go conversion's C type with a parameter type,
// ignoring const and the typedef'd enums that cgo spells as themselves.
func sameCType(conversion, param string) bool {
	return conversion == strings.TrimPrefix(param, "const ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
