using System.Runtime.CompilerServices;
using XdpAot.Ports;

namespace XdpAot.Vhost.Bridge;

/// <summary>Copies between a contiguous buffer and the pieces of a chain (as <see cref="Virtio.ChainReader"/> made them).</summary>
internal static unsafe class Pieces
{
    /// <summary>
    /// Copies <paramref name="length"/> bytes starting <paramref name="skip"/> bytes into the chain to
    /// <paramref name="dst"/>. The caller knows the chain holds skip + length bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gather(Segment* pieces, int count, nuint skip, byte* dst, nuint length)
    {
        for (int i = 0; i < count && length != 0; i++)
        {
            nuint pieceLength = pieces[i].Length;
            if (skip >= pieceLength)
            {
                skip -= pieceLength;
                continue;
            }
            nuint n = pieceLength - skip;
            if (n > length)
                n = length;
            Unsafe.CopyBlockUnaligned(dst, pieces[i].Data + skip, (uint)n);
            dst += n;
            length -= n;
            skip = 0;
        }
    }
}

/// <summary>Writes a stream of bytes into the pieces of one device-writable chain, in order.</summary>
internal unsafe struct PieceWriter
{
    private readonly Segment* _pieces;
    private readonly int _count;
    private int _index;
    private nuint _offset;

    public PieceWriter(Segment* pieces, int count)
    {
        _pieces = pieces;
        _count = count;
        _index = 0;
        _offset = 0;
    }

    /// <summary>Where the next byte goes, or null when the chain is full.</summary>
    public byte* Cursor
    {
        get
        {
            Skip();
            return _index < _count ? _pieces[_index].Data + _offset : null;
        }
    }

    /// <summary>Copies up to <paramref name="length"/> bytes; returns how many fitted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Write(byte* src, nuint length)
    {
        nuint written = 0;
        while (written < length)
        {
            Skip();
            if (_index >= _count)
                break;
            nuint room = _pieces[_index].Length - _offset;
            nuint n = length - written;
            if (n > room)
                n = room;
            Unsafe.CopyBlockUnaligned(_pieces[_index].Data + _offset, src + written, (uint)n);
            _offset += n;
            written += n;
        }
        return written;
    }

    private void Skip()
    {
        while (_index < _count && _offset == _pieces[_index].Length)
        {
            _index++;
            _offset = 0;
        }
    }
}
