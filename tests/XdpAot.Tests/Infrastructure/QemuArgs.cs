using System.Globalization;

namespace XdpAot.Tests.Infrastructure;

/// <summary>The qemu-system-x86_64 command line for a <see cref="GuestOptions"/>.</summary>
public static class QemuArgs
{
    public const string Program = "qemu-system-x86_64";

    /// <summary>fw_cfg key the guest's /init reads its script from.</summary>
    public const string ScriptKey = "opt/xdpaot/script";

    // quiet: every console character is an emulated UART write; mitigations=off saves patching work at boot.
    // Not tsc=reliable: on a loaded host the TCG guest's TSC calibration can be far off, and only the clocksource
    // watchdog that tsc=reliable turns off catches that (seen: guest time running 26x fast, every timeout firing).
    private static readonly string[] s_kernelArgs = ["console=ttyS0", "quiet", "panic=-1", "mitigations=off"];

    public static IReadOnlyList<string> Build(GuestOptions o, GuestImage image, string? scriptFile)
    {
        Validate(o);
        string mem = $"size={o.MemoryMiB}M,share=on" + (o.HugePages ? ",hugetlb=on,hugetlbsize=2M" : "");
        var chardev = $"socket,id=vu0,path={o.SocketPath}";
        if (o.ServerMode)
            chardev += ",server=on,wait=off";
        else if (o.ReconnectMs is int ms)
            chardev += $",reconnect-ms={ms}";
        // MSI-X: one vector per virtqueue (2 per pair), one for the control queue, one for config changes.
        var device = $"virtio-net-pci,netdev=net0,mq=on,vectors={2 * o.Queues + 2},mac={o.Mac}";
        if (o.Mtu is int mtu)
            device += $",host_mtu={mtu}";
        foreach (var p in o.DeviceProperties)
            device += "," + p;

        var args = new List<string>
        {
            "-name", "xdpaot-guest",
            // No KVM on these machines; TCG always (and the same behaviour where KVM exists).
            "-accel", "tcg",
            "-machine", "pc,memory-backend=mem",
            "-smp", o.Cpus.ToString(CultureInfo.InvariantCulture),
            "-m", $"{o.MemoryMiB}M",
            // vhost-user maps guest RAM in the back-end: it must be a shareable fd.
            "-object", $"memory-backend-memfd,id=mem,{mem}",
            "-nodefaults", "-display", "none", "-no-reboot",
            "-serial", "stdio",
            "-kernel", image.Kernel,
            "-initrd", image.Initramfs,
            "-append", string.Join(' ', KernelCommandLine(o)),
            "-chardev", chardev,
            "-netdev", $"vhost-user,id=net0,chardev=vu0,queues={o.Queues}",
            "-device", device,
        };
        if (scriptFile is not null)
            args.AddRange(["-fw_cfg", $"name={ScriptKey},file={scriptFile}"]);
        return args;
    }

    public static IEnumerable<string> KernelCommandLine(GuestOptions o)
    {
        foreach (var a in s_kernelArgs)
            yield return a;
        yield return $"xdpaot.queues={o.Queues}";
        yield return $"xdpaot.linkwait={o.LinkWaitSeconds}";
        if (o.Ip is not null)
            yield return $"xdpaot.ip={o.Ip}";
        if (o.Mtu is int mtu)
            yield return $"xdpaot.mtu={mtu}";
        foreach (var a in o.KernelArgs)
            yield return a;
    }

    private static void Validate(GuestOptions o)
    {
        if (o.Queues < 1)
            throw new ArgumentException($"GuestOptions.Queues = {o.Queues}: at least 1 queue pair");
        if (o.Cpus < 1)
            throw new ArgumentException($"GuestOptions.Cpus = {o.Cpus}: at least 1 vCPU");
        if (o.HugePages && o.MemoryMiB % 2 != 0)
            throw new ArgumentException($"GuestOptions.MemoryMiB = {o.MemoryMiB}: hugepage-backed memory is a multiple of 2 MiB");
        if (o.ServerMode && o.ReconnectMs is not null)
            throw new ArgumentException("GuestOptions.ReconnectMs applies to client mode only (ServerMode = false)");
        foreach (var (name, value) in new[] { ("SocketPath", o.SocketPath), ("Mac", o.Mac) })
        {
            if (value.Contains(',') || value.Contains(' '))
                throw new ArgumentException($"GuestOptions.{name} = '{value}': no commas or spaces (QEMU option syntax)");
        }
    }
}
