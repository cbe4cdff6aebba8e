;; SPDX-License-Identifier: Apache-2.0
;; The known module of trace_test.py: one call of each kind the trace
;; decodes, in a fixed order, so its trace can be compared line by line.
;; Run with /in granted read-only and holding in.txt.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get"
    (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit"
    (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 100: iovec of the read buffer at 200 (64 bytes)
  (data (i32.const 100) "\c8\00\00\00\40\00\00\00")
  ;; 120: iovec of the stdout text; 130: of the stderr text
  (data (i32.const 120) "\36\01\00\00\11\00\00\00")
  (data (i32.const 130) "\50\01\00\00\0d\00\00\00")
  (data (i32.const 300) "in.txt")
  (data (i32.const 310) "hello from guest\n")
  (data (i32.const 336) "guest stderr\n")
  (data (i32.const 360) "out.txt")
  (data (i32.const 370) "nope.txt")
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $fd_prestat_get (i32.const 3) (i32.const 16)))
    (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 400) (i32.const 3)))
    (drop (call $fd_prestat_get (i32.const 4) (i32.const 16)))
    ;; in.txt for reading: fd 4
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 300)
      (i32.const 6) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0)
      (i32.const 24)))
    (drop (call $fd_read (i32.load (i32.const 24)) (i32.const 100)
      (i32.const 1) (i32.const 28)))
    (drop (call $fd_write (i32.const 1) (i32.const 120) (i32.const 1)
      (i32.const 28)))
    (drop (call $fd_write (i32.const 2) (i32.const 130) (i32.const 1)
      (i32.const 28)))
    ;; out.txt created under a read-only grant: refused
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 360)
      (i32.const 7) (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0)
      (i32.const 24)))
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 370)
      (i32.const 8) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0)
      (i32.const 24)))
    (drop (call $fd_close (i32.const 4)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 8)))
    (drop (call $random_get (i32.const 500) (i32.const 16)))
    (call $proc_exit (i32.const 0))))
