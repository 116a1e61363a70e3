using System.Text.Unicode;

namespace XdpAot.Native;

/// <summary>
/// Failures across the boundary: nothing may throw into C, so every exception becomes a negative errno, and the
/// control path also copies its message into the caller's <c>err</c> buffer.
/// </summary>
internal static unsafe class ErrorText
{
    /// <summary>Empties <paramref name="err"/> (when there is room for the NUL).</summary>
    public static void Clear(byte* err, nuint errlen)
    {
        if (err != null && errlen > 0)
            *err = 0;
    }

    /// <summary>
    /// Copies <paramref name="message"/> as UTF-8 into <paramref name="err"/>, truncated to
    /// <paramref name="errlen"/> - 1 bytes on a character boundary, and NUL-terminates it. Nothing is written when
    /// <paramref name="err"/> is NULL or <paramref name="errlen"/> is 0.
    /// </summary>
    public static void Write(byte* err, nuint errlen, string message)
    {
        if (err == null || errlen == 0)
            return;
        var room = new Span<byte>(err, errlen > int.MaxValue ? int.MaxValue - 1 : (int)(errlen - 1));
        Utf8.FromUtf16(message, room, out _, out int written, replaceInvalidSequences: true, isFinalBlock: true);
        err[written] = 0;
    }

    /// <summary>Reports <paramref name="e"/>: writes its message into <paramref name="err"/> and returns its errno.</summary>
    public static int Fail(Exception e, byte* err, nuint errlen)
    {
        Write(err, errlen, e.Message);
        return Errno.Of(e);
    }

    /// <summary>Reports a failure found before calling the core.</summary>
    public static int Fail(int errno, string message, byte* err, nuint errlen)
    {
        Write(err, errlen, message);
        return errno;
    }
}

/// <summary>The errno values the exports return, and the mapping from exceptions.</summary>
internal static class Errno
{
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EINVAL = 22;

    /// <summary>
    /// The negative errno for an exception: the core's own (<see cref="XdpException.Errno"/>), -EINVAL for bad
    /// arguments, -ENOMEM when memory ran out, and -EIO for anything unexpected.
    /// </summary>
    public static int Of(Exception e) => e switch
    {
        XdpException x => x.Errno,
        ArgumentException or FormatException or OverflowException => -EINVAL,
        OutOfMemoryException => -ENOMEM,
        _ => -EIO,
    };
}
