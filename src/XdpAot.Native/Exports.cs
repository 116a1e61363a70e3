using XdpAot.Native.Header;

namespace XdpAot.Native;

/// <summary>
/// libxdpaot: an AF_XDP network backend for virtual machine monitors (what QEMU's -netdev af-xdp does), driven
/// from the VMM's own event loop or I/O threads.
/// <para>
/// Open a port with xdpaot_open (QEMU's option syntax); then, per queue, poll xdpaot_queue_fd for the events that
/// xdpaot_wants returns. On POLLIN call xdpaot_recv (or xdpaot_recv_peek and xdpaot_recv_release); on POLLOUT
/// call xdpaot_flush. Give each frame from the guest to xdpaot_send; when it returns 0 the queue is full: stop
/// sending until the fd reports POLLOUT. Frames are sent lazily, when the fd is polled for POLLOUT or on
/// xdpaot_flush, never with a system call per frame.
/// </para>
/// <para>
/// Threads: each queue may be driven from its own thread, concurrently with the other queues of the same or
/// other ports; one queue from one thread at a time (the library takes no locks). A receive callback must not
/// call into the library for the queue it is receiving from; other queues are fine. xdpaot_open and
/// xdpaot_close may run on any thread, but xdpaot_close not while another thread still uses the port.
/// </para>
/// <para>
/// Errors: a negative errno (-EINVAL for a NULL or out-of-range argument, a queue index included); nothing
/// aborts the process on bad input. xdpaot_open also writes a message into the caller's buffer.
/// </para>
/// <para>
/// The library is .NET native AOT code: its runtime initialises itself on the first call (a few milliseconds).
/// </para>
/// </summary>
[CHeader("xdpaot.h", "xdpaot_", "stddef.h", "stdint.h", "sys/uio.h")]
internal static unsafe partial class Exports;
