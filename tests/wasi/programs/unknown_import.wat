;; SPDX-License-Identifier: Apache-2.0
;; A command importing a function preview1 does not have: capbox must
;; refuse to start it (126) and name the import.
(module
  (import "wasi_snapshot_preview1" "fd_frobnicate"
    (func $f (param i32) (result i32)))
  (func (export "_start") (drop (call $f (i32.const 0))))
  (memory (export "memory") 1))
