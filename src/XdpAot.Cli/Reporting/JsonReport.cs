using System.Text.Json;
using System.Text.Json.Serialization;
using XdpAot.Ports;

namespace XdpAot.Cli.Reporting;

/// <summary>
/// The one JSON line a run prints at the end with --json. The first nine keys are the macro benchmark's contract
/// (shared with the C reference perf/reference/xsk_ref.c); the rest are ours. Null values are left out.
/// </summary>
internal sealed class RunReport
{
    public string Tool { get; init; } = "xdpaot";
    public required string Cmd { get; init; }
    public long Frames { get; init; }
    public long Bytes { get; init; }
    public double Seconds { get; init; }
    public double Mpps { get; init; }
    public double UserS { get; init; }
    public double SysS { get; init; }
    public double CpuNsPerFrame { get; init; }
    public double Mbps { get; init; }
    public string? Ifname { get; init; }
    public string? Mode { get; init; }
    public bool? ZeroCopy { get; init; }
    public long TotalFrames { get; init; }
    public long? Sent { get; init; }
    public long? RxFrames { get; init; }
    public ulong RxDropped { get; init; }
    public ulong RxRingFull { get; init; }
    public ulong RxFillRingEmpty { get; init; }
    public ulong TxFull { get; init; }
    public double ReadyMs { get; init; }
    public double? FirstFrameMs { get; init; }
    public string? StopReason { get; init; }
    public long LoopAllocBytes { get; init; }
    public VerifyReport? Verify { get; init; }
    public QueueReport[]? PerQueue { get; init; }
    public StageReport[]? Stages { get; init; }
}

internal sealed class QueueReport
{
    public required string Ifname { get; init; }
    public int Queue { get; init; }
    public ulong RxPackets { get; init; }
    public ulong RxBytes { get; init; }
    public ulong TxPackets { get; init; }
    public ulong TxBytes { get; init; }
    public ulong TxFull { get; init; }
    public ulong RxDropped { get; init; }
    public ulong RxRingFull { get; init; }
    public ulong RxFillRingEmpty { get; init; }
    public ulong TxRingEmpty { get; init; }
    public ulong RxInvalid { get; init; }
    public ulong TxInvalid { get; init; }
    public ulong RxOversize { get; init; }
    public ulong TxOversize { get; init; }

    public static QueueReport From(string ifName, int queue, in QueueStatistics s) => new()
    {
        Ifname = ifName,
        Queue = queue,
        RxPackets = s.RxPackets,
        RxBytes = s.RxBytes,
        TxPackets = s.TxPackets,
        TxBytes = s.TxBytes,
        TxFull = s.TxFull,
        RxDropped = s.RxDropped,
        RxRingFull = s.RxRingFull,
        RxFillRingEmpty = s.RxFillRingEmptyDescs,
        TxRingEmpty = s.TxRingEmptyDescs,
        RxInvalid = s.RxInvalidDescs,
        TxInvalid = s.TxInvalidDescs,
        RxOversize = s.RxOversize,
        TxOversize = s.TxOversize,
    };
}

internal sealed class VerifyReport
{
    public static VerifyReport From(Traffic.VerifyResult v) => new()
    {
        Received = v.Received,
        Lost = v.Lost,
        LossPercent = Math.Round(v.LossPercent, 6),
        Reordered = v.Reordered,
        Foreign = v.Foreign,
        Streams = v.Streams,
    };

    public ulong Received { get; init; }
    public ulong Lost { get; init; }
    public double LossPercent { get; init; }
    public ulong Reordered { get; init; }
    public ulong Foreign { get; init; }
    public int Streams { get; init; }
}

/// <summary>One stage of the demo.</summary>
internal sealed class StageReport
{
    public required string Name { get; init; }
    public required string Where { get; init; }
    public long Frames { get; init; }
    public long Bytes { get; init; }
    public double Mpps { get; init; }
    public double Mbps { get; init; }
    public ulong RxDropped { get; init; }
    public ulong RxRingFull { get; init; }
    public ulong TxFull { get; init; }
}

/// <summary>`xdpaot info --json`.</summary>
internal sealed class InfoReport
{
    public required string Ifname { get; init; }
    public uint Ifindex { get; init; }
    public string? Mac { get; init; }
    public int? Mtu { get; init; }
    public uint? FrameSizeNeeded { get; init; }
    public string? FrameSizeNote { get; init; }
    public ChannelsReport? Channels { get; init; }
    public AttachedReport[] Attached { get; init; } = [];
    public ModeReport[] Modes { get; init; } = [];
    public string[] Notes { get; init; } = [];
}

internal sealed class ChannelsReport
{
    public uint Rx { get; init; }
    public uint Tx { get; init; }
    public uint Combined { get; init; }
    public uint MaxRx { get; init; }
    public uint MaxTx { get; init; }
    public uint MaxCombined { get; init; }
    public uint Active { get; init; }
}

internal sealed class AttachedReport
{
    public required string Mode { get; init; }
    public uint ProgId { get; init; }
    public string? ProgName { get; init; }
    public uint? LinkId { get; init; }
}

internal sealed class ModeReport
{
    public required string Mode { get; init; }
    public bool Supported { get; init; }
    public bool? ZeroCopy { get; init; }
    public string? Detail { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(InfoReport))]
[JsonSerializable(typeof(VhostReport))]
internal sealed partial class CliJson : JsonSerializerContext
{
    public static string Serialize(VhostReport r) => JsonSerializer.Serialize(r, Default.VhostReport);

    public static string Serialize(RunReport r) => JsonSerializer.Serialize(r, Default.RunReport);

    public static string Serialize(InfoReport r) => JsonSerializer.Serialize(r, Default.InfoReport);
}
