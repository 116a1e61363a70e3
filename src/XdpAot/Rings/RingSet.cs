using System.Runtime.InteropServices;
using XdpAot.Interop;

namespace XdpAot.Rings;

/// <summary>
/// The four libxdp-layout ring structs of one queue in one block of unmanaged memory, so that both our socket
/// code and libxdp's <c>xsk_umem__create</c>/<c>xsk_socket__create</c> can fill them in.
/// </summary>
public sealed unsafe class RingSet : IDisposable
{
    private void* _block;

    /// <summary>Allocates zeroed ring structs.</summary>
    public RingSet()
    {
        _block = NativeMemory.AllocZeroed((nuint)(2 * sizeof(xsk_ring_prod) + 2 * sizeof(xsk_ring_cons)));
        Fill = (xsk_ring_prod*)_block;
        Tx = Fill + 1;
        Completion = (xsk_ring_cons*)(Tx + 1);
        Rx = Completion + 1;
    }

    /// <summary>The Fill ring: frames we give the kernel to receive into.</summary>
    public xsk_ring_prod* Fill { get; }

    /// <summary>The TX ring: frames we give the kernel to send.</summary>
    public xsk_ring_prod* Tx { get; }

    /// <summary>The Completion ring: sent frames the kernel gives back.</summary>
    public xsk_ring_cons* Completion { get; }

    /// <summary>The RX ring: received frames.</summary>
    public xsk_ring_cons* Rx { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }
}
