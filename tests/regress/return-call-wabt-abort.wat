;; From difffuzz (seed 202132904, reduced): wabt 1.0.32 aborts on it;
;; see return-call-wabt-abort.expected.
(module
  (type (;0;) (func (param f64) (result f64)))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (result i32)))
  (type (;3;) (func (result v128)))
  (type (;4;) (func (param f64 f32) (result i32 v128)))
  (type (;5;) (func (param v128 f64) (result f64)))
  (type (;6;) (func (param i32 i32 v128 i32 i32 f64)))
  (type (;7;) (func))
  (import "fuzzing-support" "log-i32" (func (;0;) (type 1)))
  (func (;1;) (type 0) (param f64) (result f64)
    f64.const 0x0p+0 (;=0;))
  (func (;2;) (type 2) (result i32)
    unreachable)
  (func (;3;) (type 3) (result v128)
    unreachable)
  (func (;4;) (type 4) (param f64 f32) (result i32 v128)
    unreachable)
  (func (;5;) (type 0) (param f64) (result f64)
    local.get 0
    call 1
    drop
    nop
    i32.const 0
    i32.const 1
    i32.sub
    global.set 0
    v128.const i32x4 0x00000000 0xfffffffe 0x00000000 0xfffffffe
    f64.const 0x0p+0 (;=0;)
    return_call 6)
  (func (;6;) (type 5) (param v128 f64) (result f64)
    unreachable)
  (func (;7;) (type 6) (param i32 i32 v128 i32 i32 f64)
    nop)
  (func (;8;) (type 7)
    global.get 0
    i32.eqz
    drop
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    f64.const 0x0p+0 (;=0;)
    call 5
    call 1
    drop
    i32.const 0
    call 0
    f64.const 0x0p+0 (;=0;)
    call 1
    drop
    i32.const 0
    call 0)
  (table (;0;) 4 funcref)
  (memory (;0;) 16 17)
  (global (;0;) (mut i32) (i32.const 10))
  (export "func_4_invoker" (func 8))
  (elem (;0;) (i32.const 0) func 3)
  (data (;0;) "?\eb\8aIh")
  (data (;1;) (i32.const 0) ""))
