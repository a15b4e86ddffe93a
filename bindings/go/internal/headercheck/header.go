package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Header is what include/wisp/wisp.h declares, as far as a binding mirrors
// it.
type Header struct {
	Functions map[string][]string          // name -> parameter types
	Callbacks map[string]string            // typedef name -> normalised signature
	Enums     map[string]map[string]int64  // enum type -> enumerator -> value
	Structs   map[string]map[string]string // struct type -> field -> C type
	Handles   map[string]bool              // opaque struct types
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	preprocessor = regexp.MustCompile(`(?m)^\s*#.*(\\\n.*)*$`)
	enumDecl     = regexp.MustCompile(`(?s)typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;`)
	structDecl   = regexp.MustCompile(`(?s)typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;`)
	handleDecl   = regexp.MustCompile(`typedef\s+struct\s+(\w+)\s+(\w+)\s*;`)
	callbackDecl = regexp.MustCompile(`(?s)typedef\s+([\w\s\*]+?)\s*\(\s*\*\s*(\w+)\s*\)\s*\((.*?)\)\s*;`)
	functionDecl = regexp.MustCompile(`(?s)WISP_API\s+([\w\s\*]+?)\s*\b(\w+)\s*\((.*?)\)\s*;`)
	fieldDecl    = regexp.MustCompile(`^(.*?)\s*\b(\w+)$`)
)

// stripC removes comments and preprocessor lines, keeping declarations.
func stripC(src string) string {
	src = blockComment.ReplaceAllString(src, " ")
	src = lineComment.ReplaceAllString(src, " ")
	return preprocessor.ReplaceAllString(src, " ")
}

// normaliseType spells a C type one way: single spaces, "T*" pointers.
func normaliseType(t string) string {
	t = strings.Join(strings.Fields(t), " ")
	t = strings.ReplaceAll(t, " *", "*")
	return strings.ReplaceAll(t, "* ", "*")
}

// paramTypes returns the types of a C parameter list, dropping the names.
func paramTypes(params string) ([]string, error) {
	params = strings.TrimSpace(params)
	if params == "void" || params == "" {
		return nil, nil
	}
	var types []string
	for _, p := range strings.Split(params, ",") {
		m := fieldDecl.FindStringSubmatch(strings.TrimSpace(p))
		if m == nil || m[1] == "" {
			return nil, fmt.Errorf("cannot read parameter %q", p)
		}
		types = append(types, normaliseType(m[1]))
	}
	return types, nil
}

// ParseHeader reads the declarations of wisp.h's C source.
func ParseHeader(src string) (*Header, error) {
	src = stripC(src)
	h := &Header{
		Functions: map[string][]string{},
		Callbacks: map[string]string{},
		Enums:     map[string]map[string]int64{},
		Structs:   map[string]map[string]string{},
		Handles:   map[string]bool{},
	}
	for _, m := range enumDecl.FindAllStringSubmatch(src, -1) {
		values := map[string]int64{}
		next := int64(0)
		for _, e := range strings.Split(m[2], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			name, value, hasValue := strings.Cut(e, "=")
			if hasValue {
				v, err := strconv.ParseInt(strings.TrimSpace(value), 0, 64)
				if err != nil {
					return nil, fmt.Errorf("enum %s: %v", m[3], err)
				}
				next = v
			}
			values[strings.TrimSpace(name)] = next
			next++
		}
		h.Enums[m[3]] = values
	}
	for _, m := range structDecl.FindAllStringSubmatch(src, -1) {
		fields := map[string]string{}
		for _, f := range strings.Split(m[2], ";") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			fm := fieldDecl.FindStringSubmatch(f)
			if fm == nil || fm[1] == "" {
				return nil, fmt.Errorf("struct %s: cannot read field %q", m[3], f)
			}
			fields[fm[2]] = normaliseType(fm[1])
		}
		h.Structs[m[3]] = fields
	}
	for _, m := range handleDecl.FindAllStringSubmatch(src, -1) {
		h.Handles[m[2]] = true
	}
	for _, m := range callbackDecl.FindAllStringSubmatch(src, -1) {
		types, err := paramTypes(m[3])
		if err != nil {
			return nil, fmt.Errorf("callback %s: %v", m[2], err)
		}
		h.Callbacks[m[2]] = signature(m[1], types)
	}
	for _, m := range functionDecl.FindAllStringSubmatch(src, -1) {
		types, err := paramTypes(m[3])
		if err != nil {
			return nil, fmt.Errorf("function %s: %v", m[2], err)
		}
		h.Functions[m[2]] = types
	}
	if len(h.Functions) == 0 {
		return nil, fmt.Errorf("no WISP_API function found")
	}
	return h, nil
}

// signature spells a function type as "RET(T1,T2)".
func signature(ret string, params []string) string {
	return normaliseType(ret) + "(" + strings.Join(params, ",") + ")"
}
