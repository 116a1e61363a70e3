using XdpAot.Ports;
using XdpAot.Vhost.Bridge;
using XdpAot.Vhost.Virtio;

namespace XdpAot.Vhost.Device;

// Who works on what: turning the vrings' states into one plan per queue-pair worker.
internal sealed partial class VhostUserSession
{
    /// <summary>
    /// Maps every started ring onto the current memory and builds the workers' plans. Pair k's worker runs vrings 2k
    /// and 2k+1 and owns AF_XDP queue k while pair k is active (a ring of it started and enabled). A Linux guest enables
    /// min(queue pairs, vCPUs) pairs, so AF_XDP queues of inactive pairs are handed to the active pairs in turn: every
    /// queue that receives frames has a reader that can deliver them. With no active pair at all, each worker drains its
    /// own queue and counts the frames as having no guest.
    /// </summary>
    private PairPlan[] BuildPlans()
    {
        var memory = _memory.View;
        foreach (var vr in _vrings)
        {
            string? before = vr.MapError;
            bool wasRunning = vr.Queue is not null;
            vr.Map(memory, _features);
            if (vr.Queue is { } q)
            {
                q.CallFd = vr.CallFd;
                q.ErrFd = vr.ErrFd;
            }
            else if (vr.Started && vr.MapError is { } error && (wasRunning || (error != before && memory.Regions.Count != 0)))
            {
                // Before the memory table arrives every started ring fails to map: that is ordering, not news.
                Log($"{vr.Name} cannot run: {error}");
            }
        }

        int pairs = _device.QueuePairs;
        var ports = _device.Queues;
        var active = new List<int>();
        for (int k = 0; k < pairs; k++)
        {
            if (IsRunning(_vrings[2 * k]) || IsRunning(_vrings[2 * k + 1]))
                active.Add(k);
        }
        var owner = new int[pairs];
        for (int q = 0; q < pairs; q++)
            owner[q] = active.Count == 0 || active.Contains(q) ? q : active[q % active.Count];

        uint headerLength = VirtioNetHeader.LengthFor(_features);
        bool merge = VirtioFeature.Has(_features, VirtioFeature.NetMrgRxBuf);
        var plans = new PairPlan[pairs];
        for (int k = 0; k < pairs; k++)
        {
            var rx = _vrings[2 * k];
            var tx = _vrings[2 * k + 1];
            bool isActive = active.Contains(k);
            var owned = new List<Queue>();
            for (int q = 0; q < pairs; q++)
            {
                if (owner[q] == k)
                    owned.Add(ports[q]);
            }
            plans[k] = new PairPlan
            {
                Pair = k,
                Rx = rx.Queue,
                RxEnabled = rx.Enabled,
                RxKickFd = rx.KickFd,
                Tx = tx.Queue,
                TxEnabled = tx.Enabled,
                TxKickFd = tx.KickFd,
                TxPort = isActive ? ports[k] : null,
                RxPorts = [.. owned],
                DropRx = active.Count == 0,
                HeaderLength = headerLength,
                MergeRxBuffers = merge,
            };
        }
        return plans;
    }

    private static bool IsRunning(VringState vr) => vr.Queue is not null && vr.Enabled;
}
