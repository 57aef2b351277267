//! Running out of memory ends orgmap with a message and exit code 13, not an abort.
//!
//! Rust's default answer to a failed allocation is to print "memory allocation failed" and
//! abort (SIGABRT, a core file in some setups), which reads as a crash. The limit is usually
//! the user's (`ulimit -v`, a container's memory): they need to be told that, and that nothing
//! was changed. A store transaction commits whole or not at all, so stopping anywhere is safe.

use std::alloc::{GlobalAlloc, Layout, System};

/// The exit code for running out of memory (documented in the README).
pub const EXIT_OUT_OF_MEMORY: i32 = 13;

/// The system allocator, reporting failure instead of aborting.
pub struct ReportingAllocator;

// SAFETY: every call is passed to the system allocator unchanged; only a null result (failure)
// is acted on, by ending the process.
unsafe impl GlobalAlloc for ReportingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let block = unsafe { System.alloc(layout) };
        if block.is_null() {
            out_of_memory(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let block = unsafe { System.alloc_zeroed(layout) };
        if block.is_null() {
            out_of_memory(layout.size());
        }
        block
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let block = unsafe { System.realloc(ptr, layout, new_size) };
        if block.is_null() {
            out_of_memory(new_size);
        }
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Says what happened on stderr and ends the process, allocating nothing (there is nothing to
/// allocate with) and running no destructors (they could allocate).
fn out_of_memory(size: usize) -> ! {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let parts: [&[u8]; 3] = [
        b"error: out of memory: orgmap could not get ",
        &digits[at..],
        b" more bytes, and stopped; nothing was changed\n\
          hint: the process's memory limit is too low for this work: raise it (ulimit -v, the \
          container's memory limit) and run the command again\n",
    ];
    for part in parts {
        // SAFETY: writing a valid buffer to stderr; a failed write changes nothing here.
        unsafe { libc::write(2, part.as_ptr().cast(), part.len()) };
    }
    // SAFETY: ends the process at once, as an abort would, with orgmap's exit code.
    unsafe { libc::_exit(EXIT_OUT_OF_MEMORY) }
}
