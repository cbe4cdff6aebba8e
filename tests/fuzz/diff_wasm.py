# SPDX-License-Identifier: Apache-2.0
# Binary-level rewriting of a fuzz module for the differential run, so that
# both interpreters print exact values: each exported function returning a
# float is re-exported through an appended wrapper that reinterprets the
# floats as integers (wabt prints floats with %f), a v128 as two i64s
# (params too: neither side's invoke takes a v128), and an appended export
# "__difffuzz_checksum" folds every numeric global and all of memory 0 into
# an i64. Appending functions leaves every existing index unchanged, so no
# code needs renumbering. Pure Python, no dependency beyond the standard
# library; knows nothing of capbox or wabt.
import struct

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = (0x7F, 0x7E, 0x7D, 0x7C, 0x7B,
                                                 0x70, 0x6F)
TYPE_NAMES = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128",
              FUNCREF: "funcref", EXTERNREF: "externref"}
CHECKSUM_EXPORT = "__difffuzz_checksum"
CHECKSUM_FULL_EXPORT = "__difffuzz_checksum_full"
# The checksum after each call covers memory up to here (wabt takes about
# 30 ms to fold a whole 16-page memory); the full one runs once at the end.
CHECKSUM_PREFIX = 16384
SECTION_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11]


class Unsupported(Exception):
    """The module uses something this rewriter does not handle."""


class Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self):
        if self.pos >= self.end:
            raise Unsupported("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def bytes(self, n):
        if self.pos + n > self.end:
            raise Unsupported("unexpected end")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def sleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result

    def name(self):
        return self.bytes(self.uleb()).decode("utf-8", "replace")

    def limits(self):
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()

    def const_expr(self):
        while True:
            op = self.byte()
            if op == 0x0B:
                return
            if op in (0x41, 0x42):
                self.sleb()
            elif op == 0x43:
                self.bytes(4)
            elif op == 0x44:
                self.bytes(8)
            elif op in (0x23, 0xD2):
                self.uleb()
            elif op == 0xD0:
                self.byte()
            elif op in (0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E):
                pass
            elif op == 0xFD and self.uleb() == 12:
                self.bytes(16)
            else:
                raise Unsupported(f"constant expression opcode 0x{op:02x}")


def uleb(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def encode_name(text):
    raw = text.encode()
    return uleb(len(raw)) + raw


class Module:
    """The parts of a module the rewrite needs; sections kept as bytes."""

    def __init__(self, data):
        if data[:8] != b"\0asm\x01\0\0\0":
            raise Unsupported("not a version 1 binary")
        self.sections = []  # (id, payload bytes), in file order
        self.types, self.imports, self.functions = [], [], []
        self.globals, self.exports, self.code_bodies = [], [], []
        self.memories = 0
        r = Reader(data, 8)
        while r.pos < r.end:
            sid = r.byte()
            size = r.uleb()
            payload = r.bytes(size)
            self.sections.append((sid, payload))
            self._parse(sid, Reader(payload))

    def _parse(self, sid, r):
        if sid == 1:
            for _ in range(r.uleb()):
                if r.byte() != 0x60:
                    raise Unsupported("non-function type")
                params = list(r.bytes(r.uleb()))
                results = list(r.bytes(r.uleb()))
                self.types.append((params, results))
        elif sid == 2:
            for _ in range(r.uleb()):
                module, name, kind = r.name(), r.name(), r.byte()
                if kind == 0:
                    desc = r.uleb()
                elif kind == 1:
                    desc = r.byte()
                    r.limits()
                elif kind == 2:
                    r.limits()
                    desc = None
                    self.memories += 1
                elif kind == 3:
                    desc = r.byte()
                    r.byte()
                else:
                    raise Unsupported(f"import kind {kind}")
                self.imports.append((module, name, kind, desc))
        elif sid == 3:
            self.functions = [r.uleb() for _ in range(r.uleb())]
        elif sid == 5:
            self.memories += r.uleb()
        elif sid == 6:
            for _ in range(r.uleb()):
                valtype = r.byte()
                r.byte()
                r.const_expr()
                self.globals.append(valtype)
        elif sid == 7:
            for _ in range(r.uleb()):
                self.exports.append((r.name(), r.byte(), r.uleb()))
        elif sid == 10:
            for _ in range(r.uleb()):
                self.code_bodies.append(r.bytes(r.uleb()))

    def func_types(self):
        """Type index of every function, imports first."""
        return ([d for (_, _, k, d) in self.imports if k == 0] +
                self.functions)

    def global_types(self):
        return ([d for (_, _, k, d) in self.imports if k == 3] + self.globals)


def float_free(results):
    return [I32 if t == F32 else I64 if t == F64 else t for t in results]


def expand(types):
    """A v128 passes through the wrappers as two i64 halves, low first."""
    return [h for t in types for h in ([I64, I64] if t == V128 else [t])]


def wrapper_body(func, params, results):
    """Calls `func` with each v128 parameter built from two i64 ones, and
    reinterprets its float results as integers, v128 ones as two i64s."""
    code, slot = b"", 0
    for t in params:
        code += b"\x20" + uleb(slot)
        if t == V128:
            # i64x2.splat, local.get (high half), i64x2.replace_lane 1
            code += b"\xFD\x12\x20" + uleb(slot + 1) + b"\xFD\x1E\x01"
        slot += 2 if t == V128 else 1
    code += b"\x10" + uleb(func)
    locals_decl = vec([b"\x01" + bytes([t]) for t in results])
    base = slot
    for k in reversed(range(len(results))):
        code += b"\x21" + uleb(base + k)  # local.set
    for k, t in enumerate(results):
        code += b"\x20" + uleb(base + k)
        if t == F32:
            code += b"\xBC"  # i32.reinterpret_f32
        elif t == F64:
            code += b"\xBD"  # i64.reinterpret_f64
        elif t == V128:
            # i64x2.extract_lane 0, local.get, i64x2.extract_lane 1
            code += (b"\xFD\x1D\x00\x20" + uleb(base + k) +
                     b"\xFD\x1D\x01")
    return locals_decl + code + b"\x0B"


def checksum_body(module, limit=None):
    """h = rotl((h ^ x) * FNV prime, 29) over globals, memory size, memory
    (its first `limit` bytes, or all of it)."""
    prime = sleb(0x100000001B3)

    def mix(push_x):
        # stack: h (in local 1) ; x pushed by push_x
        return (b"\x20\x01" + push_x + b"\x85" + b"\x42" + prime + b"\x7E" +
                b"\x42\x1D\x89" + b"\x21\x01")

    code = b"\x42" + sleb(-3750763034362895579) + b"\x21\x01"  # h = FNV basis
    for index, t in enumerate(module.global_types()):
        get = b"\x23" + uleb(index)
        if t == I32:
            code += mix(get + b"\xAD")  # i64.extend_i32_u
        elif t == I64:
            code += mix(get)
        elif t == F32:
            code += mix(get + b"\xBC\xAD")
        elif t == F64:
            code += mix(get + b"\xBD")
        elif t == V128:  # both i64x2 lanes
            code += mix(get + b"\xFD\x1D\x00") + mix(get + b"\xFD\x1D\x01")
    if module.memories:
        code += mix(b"\x3F\x00\xAD")  # memory.size
        # end = size * 65536 (local 2); i (local 0) walks it 8 bytes a step.
        code += b"\x3F\x00\x41\x10\x74\x21\x02"
        if limit is not None:
            # end = end > limit ? limit : end
            code += (b"\x41" + sleb(limit) + b"\x20\x02\x20\x02\x41" +
                     sleb(limit) + b"\x4B\x1B\x21\x02")
        code += b"\x02\x40\x03\x40"  # block loop
        code += b"\x20\x00\x20\x02\x4F\x0D\x01"  # i >= end: br_if 1
        code += mix(b"\x20\x00\x29\x03\x00")  # i64.load align=3 offset=0
        code += b"\x20\x00\x41\x08\x6A\x21\x00\x0C\x00"  # i += 8; br 0
        code += b"\x0B\x0B"
    code += b"\x20\x01\x0B"
    locals_decl = vec([b"\x01\x7F", b"\x01\x7E", b"\x01\x7F"])
    return locals_decl + code


def type_index(types, params, results):
    for i, t in enumerate(types):
        if t == (params, results):
            return i
    types.append((params, results))
    return len(types) - 1


def rewrite(data):
    """(new module bytes, [(export name, params, original results)]);
    a call's params are its wrapper's (a v128 one as two i64s)."""
    module = Module(data)
    types = list(module.types)
    func_types = module.func_types()
    new_funcs, new_bodies, exports, calls = [], [], [], []
    next_index = len(func_types)
    for name, kind, index in module.exports:
        if kind != 0:
            exports.append((name, kind, index))
            continue
        if index >= len(func_types) or func_types[index] >= len(types):
            raise Unsupported("export of an unknown function")
        params, results = types[func_types[index]]
        if any(t not in (I32, I64, F32, F64, V128) for t in params + results):
            # Neither side can pass or print these: not called directly.
            exports.append((name, kind, index))
            continue
        target = index
        if float_free(expand(results)) != results or V128 in params:
            new_funcs.append(type_index(types, expand(params),
                                        float_free(expand(results))))
            new_bodies.append(wrapper_body(index, params, results))
            target = next_index
            next_index += 1
        exports.append((name, 0, target))
        calls.append((name, expand(params), results))
    for name, limit in ((CHECKSUM_EXPORT, CHECKSUM_PREFIX),
                        (CHECKSUM_FULL_EXPORT, None)):
        new_funcs.append(type_index(types, [], [I64]))
        new_bodies.append(checksum_body(module, limit))
        exports.append((name, 0, next_index))
        next_index += 1

    replaced = {
        1: vec([b"\x60" + vec([bytes([p]) for p in ps]) +
                vec([bytes([r]) for r in rs]) for ps, rs in types]),
        3: vec([uleb(t) for t in module.functions + new_funcs]),
        7: vec([encode_name(n) + bytes([k]) + uleb(i)
                for n, k, i in exports]),
        10: vec([uleb(len(b)) + b
                 for b in module.code_bodies + new_bodies]),
    }
    present = {sid: payload for sid, payload in module.sections if sid != 0}
    present.update(replaced)
    out = bytearray(b"\0asm\x01\0\0\0")
    for sid in SECTION_ORDER:
        if sid in present:
            out += bytes([sid]) + uleb(len(present[sid])) + present[sid]
    for sid, payload in module.sections:
        if sid == 0:
            out += b"\x00" + uleb(len(payload)) + payload
    return bytes(out), calls, module


LOG_IMPORTS = {"log-i32": I32, "log-i64": I64, "log-f32": F32,
               "log-f64": F64, "log-v128": V128}


def imports_supported(module, log_types=(I32, I64, F32, F64)):
    """Only the fuzzing-support log functions of `log_types` have hosts on
    both sides (log-v128 only when SIMD is on)."""
    for mod, name, kind, desc in module.imports:
        if mod != "fuzzing-support" or kind != 0:
            return False
        expected = LOG_IMPORTS.get(name)
        if expected not in log_types:
            return False
        if desc >= len(module.types) or module.types[desc] != ([expected],
                                                               []):
            return False
    return True


def float_bits(t, value):
    if t == F32:
        return struct.unpack("<I", struct.pack("<f", value))[0]
    return struct.unpack("<Q", struct.pack("<d", value))[0]
