;; SPDX-License-Identifier: Apache-2.0
;; wasi_unstable, whose ABI differs from preview1 in three layouts (wasi-libc
;; cannot target it, so this is WAT): fd_seek's whence values (CUR=0, END=1,
;; SET=2), the 56-byte filestat with a 32-bit nlink at 20, and poll_oneoff's
;; 56-byte subscription (clock id at 24, timeout at 32, flags at 48). fd 3
;; is a preopen holding data.txt, "0123456789". Prints one line per result.
(module
  (import "wasi_unstable" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek"
    (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_filestat_get"
    (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)

  ;; 0..63 scratch (iovec, results), 64..95 digits, 128.. filestat buffer,
  ;; 256.. subscriptions, 512.. events, 1024.. strings.
  (data (i32.const 1024) "data.txt")
  (data (i32.const 1040) "seek SET 2 -> ")
  (data (i32.const 1060) "seek CUR 3 -> ")
  (data (i32.const 1080) "seek END -1 -> ")
  (data (i32.const 1100) "read at 9: ")
  (data (i32.const 1120) "errno ")
  (data (i32.const 1140) "filetype ")
  (data (i32.const 1160) " nlink ")
  (data (i32.const 1180) " size ")
  (data (i32.const 1200) " bytes 56..63 untouched ")
  (data (i32.const 1240) "fd_filestat_get: ")
  (data (i32.const 1260) "path_filestat_get: ")
  (data (i32.const 1280) "poll 2 clocks: events ")
  (data (i32.const 1310) " userdata ")
  (data (i32.const 1330) " type ")
  (data (i32.const 1340) " waited >= 20 ms ")
  (data (i32.const 1360) "seek whence 3 -> ")
  (data (i32.const 1380) "path_open: ")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  (func $newline
    (i32.store8 (i32.const 96) (i32.const 10))
    (call $print (i32.const 96) (i32.const 1)))
  ;; Decimal, written backwards from 95.
  (func $u64 (param $v i64) (local $p i32)
    (local.set $p (i32.const 95))
    (loop $digits
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48)
                 (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (if (i64.ne (local.get $v) (i64.const 0))
        (then (local.set $p (i32.sub (local.get $p) (i32.const 1)))
              (br $digits))))
    (call $print (local.get $p) (i32.sub (i32.const 96) (local.get $p))))
  (func $line (param $ptr i32) (param $len i32) (param $v i64)
    (call $print (local.get $ptr) (local.get $len))
    (call $u64 (local.get $v))
    (call $newline))

  (func $seek (param $fd i32) (param $off i64) (param $whence i32)
              (param $label i32) (param $len i32)
    (local $err i32)
    (local.set $err (call $fd_seek (local.get $fd) (local.get $off)
                                   (local.get $whence) (i32.const 16)))
    (call $print (local.get $label) (local.get $len))
    (if (local.get $err)
      (then (call $print (i32.const 1120) (i32.const 6))
            (call $u64 (i64.extend_i32_u (local.get $err))))
      (else (call $u64 (i64.load (i32.const 16)))))
    (call $newline))

  ;; Fills 128..191 with 0xAA, so a 64-byte (preview1) write shows.
  (func $show_filestat (param $label i32) (param $len i32) (param $err i32)
    (call $print (local.get $label) (local.get $len))
    (if (local.get $err)
      (then (call $line (i32.const 1120) (i32.const 6)
                        (i64.extend_i32_u (local.get $err)))
            (return)))
    (call $print (i32.const 1140) (i32.const 9))
    (call $u64 (i64.load8_u (i32.const 144)))
    (call $print (i32.const 1160) (i32.const 7))
    (call $u64 (i64.load32_u (i32.const 148)))
    (call $print (i32.const 1180) (i32.const 6))
    (call $u64 (i64.load (i32.const 152)))
    (call $print (i32.const 1200) (i32.const 24))
    (call $u64 (i64.extend_i32_u
      (i64.eq (i64.load (i32.const 184)) (i64.const 0xaaaaaaaaaaaaaaaa))))
    (call $newline))

  (func $files (local $fd i32) (local $err i32)
    (local.set $err (call $path_open (i32.const 3) (i32.const 1)
      (i32.const 1024) (i32.const 8) (i32.const 0)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 24)))
    (call $line (i32.const 1380) (i32.const 11) (i64.extend_i32_u (local.get $err)))
    (local.set $fd (i32.load (i32.const 24)))
    (call $seek (local.get $fd) (i64.const 2) (i32.const 2) (i32.const 1040) (i32.const 14))
    (call $seek (local.get $fd) (i64.const 3) (i32.const 0) (i32.const 1060) (i32.const 14))
    (call $seek (local.get $fd) (i64.const -1) (i32.const 1) (i32.const 1080) (i32.const 15))
    (call $seek (local.get $fd) (i64.const 0) (i32.const 3) (i32.const 1360) (i32.const 17))
    ;; One byte at the END-1 position: "9".
    (i32.store (i32.const 32) (i32.const 40))
    (i32.store (i32.const 36) (i32.const 1))
    (drop (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 44)))
    (call $print (i32.const 1100) (i32.const 11))
    (call $print (i32.const 40) (i32.load (i32.const 44)))
    (call $newline)
    (memory.fill (i32.const 128) (i32.const 0xaa) (i32.const 64))
    (call $show_filestat (i32.const 1240) (i32.const 17)
      (call $fd_filestat_get (local.get $fd) (i32.const 128)))
    (memory.fill (i32.const 128) (i32.const 0xaa) (i32.const 64))
    (call $show_filestat (i32.const 1260) (i32.const 19)
      (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 1024)
                               (i32.const 8) (i32.const 128))))

  ;; Two relative monotonic clocks: 10 s (userdata 1) and 20 ms (userdata
  ;; 7). Read with preview1's 48-byte stride, the second would be garbage.
  (func $poll (local $t0 i64) (local $err i32)
    (memory.fill (i32.const 256) (i32.const 0) (i32.const 112))
    (i64.store (i32.const 256) (i64.const 1))
    (i32.store (i32.const 280) (i32.const 1))
    (i64.store (i32.const 288) (i64.const 10000000000))
    (i64.store (i32.const 312) (i64.const 7))
    (i32.store (i32.const 336) (i32.const 1))
    (i64.store (i32.const 344) (i64.const 20000000))
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 16)))
    (local.set $t0 (i64.load (i32.const 16)))
    (local.set $err (call $poll_oneoff (i32.const 256) (i32.const 512)
                                       (i32.const 2) (i32.const 24)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 16)))
    (call $print (i32.const 1280) (i32.const 22))
    (call $u64 (i64.load32_u (i32.const 24)))
    (call $print (i32.const 1310) (i32.const 10))
    (call $u64 (i64.load (i32.const 512)))
    (call $print (i32.const 1180) (i32.const 1))
    (call $print (i32.const 1120) (i32.const 6))
    (call $u64 (i64.extend_i32_u (i32.or (local.get $err)
                                         (i32.load16_u (i32.const 520)))))
    (call $print (i32.const 1330) (i32.const 6))
    (call $u64 (i64.load8_u (i32.const 522)))
    (call $print (i32.const 1340) (i32.const 17))
    (call $u64 (i64.extend_i32_u
      (i64.ge_u (i64.sub (i64.load (i32.const 16)) (local.get $t0))
                (i64.const 20000000))))
    (call $newline))

  (func (export "_start")
    (call $files)
    (call $poll)
    (call $proc_exit (i32.const 0))))
