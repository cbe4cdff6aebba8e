;; SPDX-License-Identifier: Apache-2.0
;; difffuzz with SIMD (seed 1: modules 2028277857, 3806112311, 4180941928):
;; f32x4/f64x2 arithmetic on NaN lanes, logged through log-v128 or stored
;; to memory (then taken apart by i64.store16 of an extract_lane), made the
;; outputs differ. Not a bug on either side: a NaN result may be any
;; arithmetic NaN; capbox propagates an operand's payload (f32x4.add of 0
;; and lanes 0xffffffff gives 0xffffffff), wabt returns the canonical NaN
;; (0x7fc00000). binaryen's --denan does not touch v128 lanes, so
;; diff_run.py rewrites every v128 float result with diff_denan.py (NaN
;; lanes become 0) and compares v128 values lane-wise up to NaN payloads.
;; Here every NaN lane must come out as 0 on both sides; the calls also
;; pass and return v128 values through diff_wasm's i64-pair wrappers.
(module
  (import "fuzzing-support" "log-v128" (func $log (param v128)))
  (memory 1)
  (func (export "store_add")
    (v128.store (i32.const 16)
      (f32x4.add (v128.const i32x4 0 0 0 0)
                 (v128.const i32x4 -1 0x7fc00001 0x3f800000 0xff800001))))
  (func (export "store16_lane")
    (i64.store16 (i32.const 40)
      (i64x2.extract_lane 0
        (f32x4.mul (v128.const f32x4 1 1 1 1)
                   (v128.const i32x4 -1 -1 0 0)))))
  (func (export "log_max")
    (call $log
      (f64x2.max (v128.const i64x2 -1 0x3ff0000000000000)
                 (v128.const i64x2 0x7ff0000000000001 1))))
  (func (export "get_sqrt") (result v128)
    (f32x4.sqrt (v128.const f32x4 -1 4 nan:0x1 16)))
  (func (export "demote_promote") (result v128 v128)
    (f32x4.demote_f64x2_zero (v128.const i64x2 -1 0x3ff8000000000000))
    (f64x2.promote_low_f32x4 (v128.const i32x4 -1 0x3fc00000 0 0)))
  (func (export "add_sat") (param v128 v128) (result v128)
    (i16x8.add_sat_s (local.get 0) (local.get 1)))
  (func (export "mixed") (param i32 v128) (result f32 v128 i64)
    (f32.convert_i32_s (local.get 0))
    (i32x4.add (local.get 1) (i32x4.splat (local.get 0)))
    (i64x2.extract_lane 1 (local.get 1))))
