;; SPDX-License-Identifier: Apache-2.0
;; The fuzzing-support log imports on wabt's side (registered as
;; "fuzzing-support" in spectest-interp): print each argument through the
;; spectest host, floats as their bits after a bare print() marker, since
;; wabt prints floats rounded (%f), a v128 as two i64 halves (low first)
;; after two markers. diff_run.py's adapter reads them back.
(module
  (import "spectest" "print" (func $mark))
  (import "spectest" "print_i32" (func $p32 (param i32)))
  (import "spectest" "print_i64" (func $p64 (param i64)))
  (func (export "log-i32") (param i32) (call $p32 (local.get 0)))
  (func (export "log-i64") (param i64) (call $p64 (local.get 0)))
  (func (export "log-f32") (param f32)
    (call $mark) (call $p32 (i32.reinterpret_f32 (local.get 0))))
  (func (export "log-f64") (param f64)
    (call $mark) (call $p64 (i64.reinterpret_f64 (local.get 0))))
  (func (export "log-v128") (param v128)
    (call $mark) (call $mark)
    (call $p64 (i64x2.extract_lane 0 (local.get 0)))
    (call $p64 (i64x2.extract_lane 1 (local.get 0)))))
