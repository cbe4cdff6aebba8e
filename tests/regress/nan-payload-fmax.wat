;; SPDX-License-Identifier: Apache-2.0
;; difffuzz divergence (seed 1, module 3273968005; the reduced module is
;; notes/nan-payload-fmax.reduced.wasm): f64.max of a non-canonical NaN and
;; 1.0, stored to memory, made the memory checksums differ. Not a bug on
;; either side: the spec lets the result be any arithmetic NaN. capbox
;; propagates the operand's payload (0xffffffffffffffb6), wabt returns the
;; canonical 0x7ff8000000000000. difffuzz therefore builds its modules with
;; binaryen's --denan and compares float results only as "is a NaN"; this
;; case keeps the result a NaN, whatever its bits.
(module
  (func (export "max") (result f64)
    (f64.max (f64.const -nan:0xfffffffffffb6) (f64.const 1)))
  (func (export "min") (result f64)
    (f64.min (f64.const 1) (f64.const nan:0x4)))
  ;; 1 if the stored result is a NaN of any payload and sign.
  (func (export "max_is_nan") (result i32)
    (local $bits i64)
    (local.set $bits
      (i64.reinterpret_f64
        (f64.max (f64.const -nan:0xfffffffffffb6) (f64.const 1))))
    (i32.and
      (i64.eq (i64.and (local.get $bits) (i64.const 0x7ff0000000000000))
              (i64.const 0x7ff0000000000000))
      (i64.ne (i64.and (local.get $bits) (i64.const 0xfffffffffffff))
              (i64.const 0)))))
