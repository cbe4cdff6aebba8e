// SPDX-License-Identifier: Apache-2.0
// ldo.c includes <setjmp.h>, which wasi-libc does not have; capbox_lua.h
// replaces every use of it, so an empty header is all that is needed.
#pragma once
