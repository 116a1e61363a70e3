using XdpAot.Cli.Cli;
using XdpAot.Cli.Traffic;
using XdpAot.Frames;

namespace XdpAot.Cli.Commands;

/// <summary>
/// <c>xdpaot self-check</c>: proves on the shipped binary (compiled ahead of time for its baseline instruction
/// set, with run-time checks for the rest) that the core's SIMD MAC swap agrees with the scalar one, that generated frames carry valid IPv4 and UDP checksums for many sequence
/// numbers, and that the verifier reads back what gen wrote. The test suite runs it; it needs no privileges.
/// </summary>
internal sealed class SelfCheckCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "self-check",
        "check this binary's SIMD paths against their scalar versions and the frame checksums (no privileges)",
        [""],
        [],
        ["xdpaot self-check"]);

    public unsafe int Run(ParsedArgs a)
    {
        var failures = new List<string>();
        var rng = new Random(12345);
        byte* v = stackalloc byte[64];
        byte* s = stackalloc byte[64];
        for (int i = 0; i < 10000; i++)
        {
            var bytes = new Span<byte>(v, 64);
            rng.NextBytes(bytes);
            bytes.CopyTo(new Span<byte>(s, 64));
            if (MacSwap.IsVectorized)
                MacSwap.SwapVector(v);
            else
                MacSwap.SwapScalar(v);
            MacSwap.SwapScalar(s);
            if (!new Span<byte>(v, 64).SequenceEqual(new Span<byte>(s, 64)))
            {
                failures.Add($"MAC swap: vector and scalar differ on case {i}");
                break;
            }
        }
        var frame = new byte[64];
        frame.AsSpan(0, 12).CopyTo(frame.AsSpan(12));
        for (int i = 0; i < 12; i++)
            frame[i] = (byte)i;
        fixed (byte* f = frame)
        {
            MacSwap.Swap(f, 64);
            if (frame[0] != 6 || frame[6] != 0 || frame[11] != 5 || frame[5] != 11)
                failures.Add("MAC swap: bytes 0..5 and 6..11 not exchanged");
        }

        var spec = new FrameSpec([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], [10, 0, 0, 1], [10, 0, 0, 2], 9, 9, 60);
        foreach (int len in new[] { 58, 60, 61, 128, 1514, 4092 })
        {
            var t = new FrameTemplate(spec with { Length = len }, 7);
            foreach (ulong seq in new ulong[] { 0, 1, 0xffff, 0x10000, 0xfffffffe, ulong.MaxValue, 0x0123456789abcdef })
            {
                t.Stamp(seq);
                if (!FrameTemplate.HasValidChecksums(t.Span))
                    failures.Add($"checksum: invalid for length {len}, seq {seq}");
                if (!TestFrame.TryReadStamp(t.Span, out uint stream, out ulong back) || stream != 7 || back != seq)
                    failures.Add($"stamp: did not read back stream 7 seq {seq} at length {len}");
            }
            for (int i = 0; i < 2000; i++)
            {
                ulong seq = (ulong)rng.NextInt64();
                t.Stamp(seq);
                if (!FrameTemplate.HasValidChecksums(t.Span))
                {
                    failures.Add($"checksum: invalid for length {len}, seq {seq}");
                    break;
                }
            }
        }

        var tracker = new SequenceTracker();
        var tt = new FrameTemplate(spec, 3);
        foreach (ulong seq in new ulong[] { 10, 11, 13, 12, 14, 17 })
        {
            tt.Stamp(seq);
            tracker.Observe(tt.Span);
        }
        var r = SequenceTracker.Merge([tracker]);
        if (r.Received != 6 || r.Lost != 2 || r.Reordered != 1 || r.Streams != 1)
            failures.Add($"verify: expected 6 received, 2 lost, 1 reordered; got {r}");

        foreach (var f in failures)
            Console.Error.WriteLine($"xdpaot self-check: FAIL {f}");
        Console.Out.WriteLine($"xdpaot self-check: {(failures.Count == 0 ? "ok" : $"{failures.Count} failure(s)")} " +
            $"(MAC swap {(MacSwap.IsVectorized ? "SSSE3" : "scalar")}, checksums, stamps, verifier)");
        return failures.Count == 0 ? ExitCode.Ok : ExitCode.Failure;
    }
}
