# SPDX-License-Identifier: Apache-2.0
# binaryen's --denan pass leaves v128 float lanes alone, and a NaN's payload
# and sign are nondeterministic in the spec (wabt makes every NaN canonical,
# capbox propagates an operand's): a NaN lane stored to memory or taken
# apart by integer lane ops then diverges for no bug. This rewrite follows
# every f32x4/f64x2 operation that can make a NaN with
#   local.tee $t  v128.const 0  local.get $t  local.get $t  fNxM.eq
#   v128.bitselect
# so its NaN lanes become 0, as --denan does for scalars. One appended v128
# local per function. Pure Python on diff_wasm's Module; knows nothing of
# capbox or wabt.
import diff_wasm
from diff_wasm import Reader, Unsupported, uleb, vec

# 0xFD subopcodes whose result lanes may be a fresh NaN, by lane shape.
F32X4_OPS = {0x67, 0x68, 0x69, 0x6A, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
             0xE9, 0x5E}
F64X2_OPS = {0x74, 0x75, 0x7A, 0x94, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4,
             0xF5, 0x5F}
F32X4_EQ, F64X2_EQ, BITSELECT = 0x41, 0x47, 0x52

# Immediates after an opcode, by kind: "u" a uleb, "s" a sleb, "m" a memarg
# (two ulebs), "b" one byte, an int that many raw bytes.
MVP_IMMEDIATES = {
    0x0C: "u", 0x0D: "u", 0x10: "u", 0x11: "uu", 0x20: "u", 0x21: "u",
    0x22: "u", 0x23: "u", 0x24: "u", 0x25: "u", 0x26: "u", 0x3F: "b",
    0x40: "b", 0x41: "s", 0x42: "s", 0x43: 4, 0x44: 8, 0xD0: "b", 0xD2: "u",
}
MVP_IMMEDIATES.update({op: "m" for op in range(0x28, 0x3F)})
FC_IMMEDIATES = {8: "ub", 9: "u", 10: "bb", 11: "b", 12: "uu", 13: "u",
                 14: "uu", 15: "u", 16: "u", 17: "u"}


def fd_immediates(sub):
    if sub <= 11 or sub in (0x5C, 0x5D):
        return "m"
    if sub in (12, 13):
        return 16
    if 0x15 <= sub <= 0x22:
        return "b"
    if 0x54 <= sub <= 0x5B:
        return "mb"
    return ""


def skip(r, kinds):
    if isinstance(kinds, int):
        r.bytes(kinds)
        return
    for kind in kinds:
        if kind == "u":
            r.uleb()
        elif kind == "s":
            r.sleb()
        elif kind == "m":
            r.uleb()
            r.uleb()
        elif kind == "b":
            r.byte()


def skip_blocktype(r):
    first = r.data[r.pos] if r.pos < r.end else None
    if first is None:
        raise Unsupported("unexpected end")
    if first == 0x40 or first in diff_wasm.TYPE_NAMES:
        r.byte()
    else:
        r.sleb()


def canonicalise(local, eq):
    return (b"\x22" + uleb(local) + b"\xFD\x0C" + bytes(16) + b"\x20" +
            uleb(local) + b"\x20" + uleb(local) + b"\xFD" + uleb(eq) +
            b"\xFD" + uleb(BITSELECT))


def rewrite_body(body, params):
    """`body` (locals and code) with its float lanes de-NaNed."""
    r = Reader(body)
    groups = [(r.uleb(), r.byte()) for _ in range(r.uleb())]
    local = params + sum(n for n, _ in groups)
    out = bytearray()
    start, changed = r.pos, False
    while r.pos < r.end:
        op = r.byte()
        if op in (0x02, 0x03, 0x04):
            skip_blocktype(r)
        elif op == 0x0E:
            for _ in range(r.uleb() + 1):
                r.uleb()
        elif op == 0x1C:
            r.bytes(r.uleb())
        elif op == 0xFC:
            skip(r, FC_IMMEDIATES.get(r.uleb(), ""))
        elif op == 0xFD:
            sub = r.uleb()
            skip(r, fd_immediates(sub))
            eq = (F32X4_EQ if sub in F32X4_OPS else
                  F64X2_EQ if sub in F64X2_OPS else None)
            if eq is not None:
                out += body[start:r.pos] + canonicalise(local, eq)
                start, changed = r.pos, True
        else:
            skip(r, MVP_IMMEDIATES.get(op, ""))
    if not changed:
        return body
    out += body[start:]
    groups.append((1, diff_wasm.V128))
    return vec([uleb(n) + bytes([t]) for n, t in groups]) + bytes(out)


def denan_v128(data):
    """The module's bytes with every v128 float result de-NaNed."""
    module = diff_wasm.Module(data)
    bodies = [rewrite_body(body, len(module.types[t][0]))
              for body, t in zip(module.code_bodies, module.functions)]
    if bodies == module.code_bodies:
        return data
    out = bytearray(data[:8])
    for sid, payload in module.sections:
        if sid == 10:
            payload = vec([uleb(len(b)) + b for b in bodies])
        out += bytes([sid]) + uleb(len(payload)) + payload
    return bytes(out)
