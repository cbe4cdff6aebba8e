;; SPDX-License-Identifier: Apache-2.0
;; The fuzzing-support log imports on wabt's side (registered as
;; "fuzzing-support" in spectest-interp): print each argument through the
;; spectest host, floats as their bits after a bare print() marker, since
;; wabt prints floats rounded (%f). diff_adapter.py reads them back.
(module
  (import "spectest" "print" (func $mark))
  (import "spectest" "print_i32" (func $p32 (param i32)))
  (import "spectest" "print_i64" (func $p64 (param i64)))
  (func (export "log-i32") (param i32) (call $p32 (local.get 0)))
  (func (export "log-i64") (param i64) (call $p64 (local.get 0)))
  (func (export "log-f32") (param f32)
    (call $mark) (call $p32 (i32.reinterpret_f32 (local.get 0))))
  (func (export "log-f64") (param f64)
    (call $mark) (call $p64 (i64.reinterpret_f64 (local.get 0)))))
