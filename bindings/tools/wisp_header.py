"""Reads include/wisp/wisp.h into a neutral, language-free description.

Why this exists: each binding (Rust, C#, ...) has a header-drift check
(bindings/<lang>/tools/check_header.py) that compares its raw declarations
with wisp.h. They used to carry their own copies of a C-header parser; this
module is the single one they share, so a header construct is taught once.
The checkers keep only what is theirs: parsing their own language and
mapping C types to it.

  parse(text) -> Header with
    functions  {name: Function(ret, params)}      WISP_API declarations
    structs    {name: [Param(type, name), ...]}   fields in order; None if opaque
    enums      {name: {member: value}}            implicit values filled in
    callbacks  {name: Function(ret, params)}      typedef'd function pointers
    version    {name: value}                      #define WISP_API_VERSION_* N
  where a type is CType(base, const, pointers): 'const char*' is
  CType('char', True, 1) ('const' = the pointed-to / base type is const; a
  const qualifying a pointer itself has no ABI meaning and is dropped).

Anything the parser cannot read raises HeaderError, so nothing passes
unnoticed. Python 3 standard library only.
"""
import re
from collections import namedtuple

CType = namedtuple("CType", "base const pointers")
Param = namedtuple("Param", "type name")
Function = namedtuple("Function", "ret params")
Header = namedtuple("Header", "functions structs enums callbacks version")


class HeaderError(ValueError):
    """A header statement this parser cannot read."""


def split_top(text, sep):
    """Splits on sep outside (), {}; drops empty parts."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def parse_type(text):
    """'const char*' -> CType('char', True, 1); 'unsigned int' -> base 'unsigned int'."""
    base, const, pointers = [], False, 0
    for tok in text.replace("*", " * ").split():
        if tok == "const":
            if not pointers:
                const = True
        elif tok == "*":
            pointers += 1
        elif tok in ("struct", "enum"):
            continue
        elif pointers:
            raise HeaderError("cannot parse C type: " + text)
        else:
            base.append(tok)
    if not base:
        raise HeaderError("cannot parse C type: " + text)
    return CType(" ".join(base), const, pointers)


def parse_decl(text):
    """'const char* path' -> Param(CType('char', True, 1), 'path'); an
    unnamed declaration ('void*', 'int') gets the name ''."""
    text = text.strip()
    m = re.match(r"^(.*?)\b([A-Za-z_]\w*)$", text)
    if m and m.group(1).strip() and m.group(1).strip() not in ("const", "struct", "enum"):
        return Param(parse_type(m.group(1)), m.group(2))
    return Param(parse_type(text), "")


def parse_params(text):
    text = text.strip()
    if text in ("", "void"):
        return []
    return [parse_decl(p) for p in split_top(text, ",")]


def parse_enum_body(body):
    """'A = 0, B, C = 0x10' -> {'A': 0, 'B': 1, 'C': 16}."""
    values, nxt = {}, 0
    for item in split_top(body, ","):
        name, _, value = item.partition("=")
        try:
            nxt = int(value.strip(), 0) if value.strip() else nxt
        except ValueError:
            raise HeaderError("cannot evaluate enum value: " + item) from None
        values[name.strip()] = nxt
        nxt += 1
    return values


def parse(src):
    """Returns the Header describing the text of wisp.h."""
    h = Header({}, {}, {}, {}, {})
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    src = src.replace("\\\n", " ")
    src = re.sub(r"#ifdef __cplusplus.*?#endif", " ", src, flags=re.S)
    for m in re.finditer(r"^\s*#define\s+(WISP_API_VERSION_\w+)\s+(\d+)", src, re.M):
        h.version[m.group(1)] = int(m.group(2))
    src = re.sub(r"^\s*#[^\n]*", " ", src, flags=re.M)
    src = re.sub(r"\s+", " ", src)
    for stmt in split_top(src, ";"):
        m = re.match(r"^typedef enum (\w+) ?\{(.*)\} ?(\w+)$", stmt)
        if m:
            h.enums[m.group(3)] = parse_enum_body(m.group(2))
            continue
        m = re.match(r"^typedef struct (\w+) ?\{(.*)\} ?(\w+)$", stmt)
        if m:
            h.structs[m.group(3)] = [parse_decl(f) for f in split_top(m.group(2), ";")]
            continue
        m = re.match(r"^typedef struct (\w+) (\w+)$", stmt)
        if m:
            h.structs[m.group(2)] = None
            continue
        m = re.match(r"^typedef (.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)$", stmt)
        if m:
            h.callbacks[m.group(2)] = Function(parse_type(m.group(1)), parse_params(m.group(3)))
            continue
        m = re.match(r"^WISP_API (.+?)\b(\w+)\s*\((.*)\)$", stmt)
        if m:
            h.functions[m.group(2)] = Function(parse_type(m.group(1)), parse_params(m.group(3)))
            continue
        raise HeaderError("cannot parse header statement: " + stmt)
    return h
