using System.Runtime.InteropServices;
using XdpAot.Native.Header;
using XdpAot.Ports;

namespace XdpAot.Native;

internal static unsafe partial class Exports
{
    /// <summary>
    /// Opens a port: AF_XDP sockets on one or more queues of an existing interface, and the XDP program that
    /// steers their traffic to them (unless inhibit=on).
    /// </summary>
    /// <param name="opts">
    /// QEMU's -netdev af-xdp syntax: ifname=…,mode=native|skb,queues=…,start-queue=…,force-copy=on|off,
    /// inhibit=on|off,sock-fds=…,map-path=…,map-start-index=…,loader=builtin|libxdp,busy-budget=…
    /// Without mode, native is tried first, then skb.
    /// </param>
    /// <param name="out">Receives the port; NULL on failure.</param>
    /// <param name="err">
    /// May be NULL. On failure, the reason (it names the option, interface or queue); on success, warnings
    /// (e.g. busy polling refused) or an empty string. Always NUL-terminated, truncated to errlen - 1 bytes.
    /// </param>
    /// <param name="errlen">Size of err in bytes.</param>
    /// <returns>0, or a negative errno (-EINVAL for bad options, -ENODEV for no such interface, -EBUSY, -EPERM, …).</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_open")]
    public static int Open([CType("const char *")] byte* opts, XdpaotPort** @out, [CType("char *")] byte* err, nuint errlen)
    {
        ErrorText.Clear(err, errlen);
        if (@out == null)
            return ErrorText.Fail(-Errno.EINVAL, "xdpaot_open: out is NULL", err, errlen);
        *@out = null;
        if (opts == null)
            return ErrorText.Fail(-Errno.EINVAL, "xdpaot_open: opts is NULL", err, errlen);
        Port? port = null;
        try
        {
            port = Port.Open(Marshal.PtrToStringUTF8((nint)opts)!);
            ErrorText.Write(err, errlen, string.Join("; ", port.Warnings));
            *@out = PortHandle.Create(port);
            return 0;
        }
        catch (Exception e)
        {
            port?.Dispose();
            return ErrorText.Fail(e, err, errlen);
        }
    }

    /// <summary>
    /// Closes a port: detaches its XDP program, closes its sockets and frees its memory. Frames still in the TX
    /// ring may not have been sent (call xdpaot_flush until it returns 0 first). NULL is fine; closing a port
    /// twice, or using it after close, is a bug like a double free().
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_close")]
    public static void Close(XdpaotPort* p)
    {
        if (p == null)
            return;
        try
        {
            PortHandle.Close(p);
        }
        catch (Exception)
        {
            // Nothing may cross into C, and close has no way to report; the handle is gone either way.
        }
    }

    /// <summary>The number of queues (queues=…); queue indexes are 0 .. count - 1, whatever start-queue is.</summary>
    /// <returns>The count, or -EINVAL for NULL.</returns>
    [UnmanagedCallersOnly(EntryPoint = "xdpaot_queue_count")]
    public static int QueueCount([CConst] XdpaotPort* p) => PortHandle.QueuesOf(p)?.Length ?? -Errno.EINVAL;
}
