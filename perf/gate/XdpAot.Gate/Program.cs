using XdpAot.Gate;

// xdpaot-gate rx|tx|tx-batch|reflect FRAMES: runs one hot loop (Loops.cs) and prints
// "loop=NAME frames=N check=X", the same line as the C reference perf/gate/c/gate_c.
if (args.Length != 2 || !ulong.TryParse(args[1], out ulong frames) || frames == 0)
{
    Console.Error.WriteLine("usage: XdpAot.Gate rx|tx|tx-batch|reflect FRAMES");
    return 2;
}
using var loops = new Loops();
ulong done;
switch (args[0])
{
    case "rx": done = loops.Rx(frames); break;
    case "tx": done = loops.Tx(frames); break;
    case "tx-batch": done = loops.TxBatch(frames); break;
    case "reflect": done = loops.Reflect(frames); break;
    default:
        Console.Error.WriteLine($"XdpAot.Gate: unknown loop '{args[0]}'");
        return 2;
}
Console.WriteLine($"loop={args[0]} frames={done} check={loops.Check}");
return 0;
