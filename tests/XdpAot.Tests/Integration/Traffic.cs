using System.Buffers.Binary;
using System.Diagnostics;
using XdpAot.Interop;
using XdpAot.Ports;

namespace XdpAot.Tests.Integration;

/// <summary>Moves numbered test frames between queues and checks them byte for byte.</summary>
public static unsafe class Traffic
{
    /// <summary>An ethertype from the local-experimental range, so the stack ignores frames that are passed up.</summary>
    public const ushort EtherType = 0x88B5;

    /// <summary>A broadcast frame whose payload encodes <paramref name="seq"/> and a tag, filled with a pattern.</summary>
    public static byte[] Frame(int seq, int length = 128, byte tag = 0)
    {
        var f = new byte[length];
        f.AsSpan(0, 6).Fill(0xff);
        f[6] = 0x02; f[7] = 0xaa; f[8] = tag; f[9] = 0; f[10] = 0; f[11] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), EtherType);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(14), seq);
        f[18] = tag;
        for (int i = 19; i < length; i++)
            f[i] = (byte)(seq * 31 + i + tag);
        return f;
    }

    /// <summary>Sends every frame, waiting for POLLOUT when the ring is full, then drains the TX ring.</summary>
    public static void SendAll(Queue q, IEnumerable<byte[]> frames, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        foreach (var f in frames)
        {
            while (q.Send(f) == 0)
            {
                q.Flush();
                Poll(q.Fd, Libc.POLLOUT, 100);
                if (deadline.Elapsed > limit)
                    throw new TimeoutException($"{q.IfName} queue {q.QueueId}: TX stayed full");
            }
        }
        while (q.Flush() != 0)
        {
            Poll(q.Fd, Libc.POLLOUT, 10);
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"{q.IfName} queue {q.QueueId}: {q.TxOutstanding} frames never completed");
        }
    }

    private struct Collector : IFrameHandler
    {
        public List<byte[]> Frames;

        public bool OnFrame(ReadOnlySpan<byte> frame)
        {
            // Only our test frames count: the stack may still send the odd frame of its own.
            if (frame.Length >= 14 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == EtherType)
                Frames.Add(frame.ToArray());
            return true;
        }
    }

    /// <summary>Receives until <paramref name="expected"/> test frames arrived or the timeout passed.</summary>
    public static List<byte[]> Receive(Queue q, int expected, TimeSpan? timeout = null)
    {
        var c = new Collector { Frames = [] };
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (c.Frames.Count < expected && sw.Elapsed < limit)
        {
            if (q.Receive(ref c) == 0)
                Poll(q.Fd, Libc.POLLIN, 50);
        }
        return c.Frames;
    }

    /// <summary>Sends <paramref name="count"/> frames from one queue and asserts they all arrive, in order, unchanged.</summary>
    public static void AssertDelivered(Queue from, Queue to, int count = 200, int length = 128, byte tag = 0)
    {
        var frames = Enumerable.Range(0, count).Select(i => Frame(i, length, tag)).ToList();
        SendAll(from, frames);
        var got = Receive(to, count);
        Assert.Equal(count, got.Count);
        for (int i = 0; i < count; i++)
            Assert.True(frames[i].AsSpan().SequenceEqual(got[i]), $"frame {i} differs ({from.IfName}:{from.QueueId} -> {to.IfName}:{to.QueueId})");
    }

    public static int Poll(int fd, short events, int timeoutMs)
    {
        var p = new Libc.PollFd { Fd = fd, Events = events };
        return Libc.Poll(&p, 1, timeoutMs);
    }
}
