#!/usr/bin/env pwsh
<#
.SYNOPSIS
  XdpAot macro benchmark: our `xdpaot` against the C reference `xsk_ref`, on a veth pair.

.DESCRIPTION
  Cells: rx-only, tx-only, reflect (l2fwd macswap) x skb, native = 6 cells. For every cell the
  measured side alternates C, XdpAot, C, XdpAot, ... (-Pairs pairs); the peer is always the C
  reference, so only the measured binary changes. Each run gets fresh network namespaces and a
  fresh veth pair (a crashed tool cannot leave a program behind for the next run). The measured
  process is pinned to CPU 1, the peer to CPU 0.

    cell     measured on A (CPU 1)        peer on B (CPU 0)
    rx-only  sink                         xsk_ref gen
    tx-only  gen                          xsk_ref sink
    reflect  reflect (counts reflected)   xsk_ref gen --rx (generates, counts what comes back)

  Both tools print one JSON line with the same keys; rates and CPU per frame are the measured
  process's own numbers (getrusage over its measured interval). Ratios are XdpAot / C per pair:
  ratio_mpps > 1 and ratio_cpu < 1 mean XdpAot is better. The benchmark fails (exit 1) only when
  a tool fails, never because the machine was slow.

.EXAMPLE
  dotnet pwsh -NoProfile -File perf/macro/bench.ps1 -XdpAot perf/reference/build/xsk_ref -Reference perf/reference/build/xsk_ref -Quick
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $XdpAot,
    [Parameter(Mandatory)] [string] $Reference,
    [ValidateRange(1, 1000)] [int] $Pairs = 5,
    [ValidateRange(0.1, 3600)] [double] $Seconds = 5,
    [ValidateRange(0, 600)] [double] $Warmup = 1,
    # Cell kinds (rx-only, tx-only, reflect) or full cell names (e.g. reflect/native).
    [string[]] $Cells = @('rx-only', 'tx-only', 'reflect'),
    [string[]] $Modes = @('skb', 'native'),
    [string] $Json,
    # Scheduling priority of both tools. This VM is shared (builds, tests) and has
    # sched_autogroup on, so plain nice does nothing against other sessions: each tool gets its
    # own session (setsid) and that autogroup gets this nice too. 0 = leave scheduling alone.
    [ValidateRange(-20, 19)] [int] $Nice = -20,
    # Smoke test: 1 pair of 2 s.
    [switch] $Quick
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
[System.Globalization.CultureInfo]::CurrentCulture = [System.Globalization.CultureInfo]::InvariantCulture

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $Json) { $Json = Join-Path $RepoRoot 'artifacts/bench.json' }
if ($Quick) { $Pairs = 1; $Seconds = 2 }

$Kinds = [ordered]@{
    'rx-only' = @{ Measured = 'sink';    Peer = @('gen') }
    'tx-only' = @{ Measured = 'gen';     Peer = @('sink') }
    'reflect' = @{ Measured = 'reflect'; Peer = @('gen', '--rx') }
}

# ---------------------------------------------------------------- helpers

function Fail([string] $Message) { throw [System.InvalidOperationException]::new($Message) }

function Invoke-Ip([string[]] $IpArgs) {
    $out = & ip @IpArgs 2>&1
    if ($LASTEXITCODE -ne 0) { Fail "ip $($IpArgs -join ' ') failed: $out" }
}

function Get-Median([double[]] $Values) {
    $s = [double[]]($Values | Sort-Object)
    $n = $s.Count
    if ($n % 2) { return $s[($n - 1) / 2] }
    return ($s[$n / 2 - 1] + $s[$n / 2]) / 2
}

function Resolve-Tool([string] $Path, [string] $What) {
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { Fail "$What not found: $Path" }
    return (Resolve-Path -LiteralPath $Path).Path
}

# Names: namespaces xdpaotb-<pid>-a/-b, veths xdpaot<pid>a/b (<= 15 chars for any Linux pid).
$NsA = "xdpaotb-$PID-a"; $NsB = "xdpaotb-$PID-b"
$VethA = "xdpaot${PID}a"; $VethB = "xdpaot${PID}b"
$Live = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

function Remove-Topology {
    foreach ($ns in $NsA, $NsB) {
        if (Test-Path "/run/netns/$ns") { & ip netns del $ns 2>$null | Out-Null }
    }
}

function New-Topology {
    Remove-Topology
    foreach ($ns in $NsA, $NsB) {
        Invoke-Ip @('netns', 'add', $ns)
        # No IPv6: router solicitations / DAD would be stray frames in the measurement.
        $out = & ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>&1
        if ($LASTEXITCODE -ne 0) { Write-Warning "could not disable IPv6 in ${ns}: $out" }
    }
    # One queue each side, equal on both ends (native XDP refuses unequal counts).
    Invoke-Ip @('link', 'add', $VethA, 'numrxqueues', '1', 'numtxqueues', '1', 'netns', $NsA, 'type', 'veth',
        'peer', 'name', $VethB, 'numrxqueues', '1', 'numtxqueues', '1', 'netns', $NsB)
    Invoke-Ip @('-n', $NsA, 'link', 'set', $VethA, 'mtu', '1500', 'up')
    Invoke-Ip @('-n', $NsB, 'link', 'set', $VethB, 'mtu', '1500', 'up')
}

# -Peer: stderr is read line by line until "ready" (Wait-Ready); otherwise drained at once.
function Start-Tool([string] $Ns, [string] $Exe, [string[]] $ToolArgs, [switch] $Peer) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('ip')
    # setsid, sh and nice all exec (the tool is no group leader): the pid stays the tool's.
    $prefix = if ($Nice -ne 0) {
        @('setsid', 'sh', '-c', "echo $Nice > /proc/self/autogroup 2>/dev/null; exec nice -n $Nice `"`$0`" `"`$@`"")
    } else { @() }
    foreach ($a in @('netns', 'exec', $Ns) + $prefix + @($Exe) + $ToolArgs) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)   # `ip netns exec` execs: same pid as the tool
    $Live.Add($p)
    return [pscustomobject]@{
        Process = $p; Out = $p.StandardOutput.ReadToEndAsync()
        Err = if ($Peer) { $null } else { $p.StandardError.ReadToEndAsync() }
        ErrLines = [System.Collections.Generic.List[string]]::new()
        Command = "ip netns exec $Ns $Exe $($ToolArgs -join ' ')" + $(if ($Nice -ne 0) { " (nice $Nice)" } else { '' })
    }
}

# The reference prints "<cmd> ready on <if>" to stderr once its socket is bound.
function Wait-Ready($Tool, [double] $TimeoutS) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutS)
    $task = $Tool.Process.StandardError.ReadLineAsync()
    while ($true) {
        if ($task.Wait(100)) {
            $line = $task.Result
            if ($null -eq $line) { Fail "peer exited before it was ready: $($Tool.Command)`n$($Tool.ErrLines -join "`n")" }
            $Tool.ErrLines.Add($line)
            if ($line -match ' ready on ') { break }
            $task = $Tool.Process.StandardError.ReadLineAsync()
        } elseif ([DateTime]::UtcNow -gt $deadline) {
            Fail "peer not ready after $TimeoutS s: $($Tool.Command)`n$($Tool.ErrLines -join "`n")"
        }
    }
    $Tool.Err = $Tool.Process.StandardError.ReadToEndAsync()   # keep draining
}

function Send-Signal([System.Diagnostics.Process] $P, [string] $Signal) {
    if (-not $P.HasExited) { & /bin/kill "-$Signal" $P.Id 2>$null | Out-Null }
}

# Waits for exit; returns the tool's parsed JSON line. Any failure is a tool failure.
function Complete-Tool($Tool, [double] $TimeoutS, [string] $Role) {
    $p = $Tool.Process
    if (-not $p.WaitForExit([int]($TimeoutS * 1000))) {
        Send-Signal $p 'KILL'; $p.WaitForExit()
        Fail "$Role did not finish within $TimeoutS s: $($Tool.Command)"
    }
    $p.WaitForExit()   # flush the async readers
    $null = $Live.Remove($p)
    if ($null -eq $Tool.Err) { $Tool.Err = $p.StandardError.ReadToEndAsync() }
    $stderr = (@($Tool.ErrLines) + @($Tool.Err.Result)) -join "`n"
    if ($p.ExitCode -ne 0) { Fail "$Role exited with $($p.ExitCode): $($Tool.Command)`n$stderr" }
    $line = @($Tool.Out.Result -split "`n" | Where-Object { $_.StartsWith('{') }) | Select-Object -Last 1
    if (-not $line) { Fail "$Role printed no JSON: $($Tool.Command)`n$stderr" }
    try { $r = $line | ConvertFrom-Json } catch { Fail "$Role printed bad JSON '$line': $($Tool.Command)" }
    foreach ($k in 'tool', 'cmd', 'frames', 'seconds', 'mpps', 'user_s', 'sys_s', 'cpu_ns_per_frame') {
        if ($null -eq $r.PSObject.Properties[$k]) { Fail "$Role JSON lacks '$k': $line" }
    }
    return $r
}

function Stop-All {
    foreach ($p in @($Live)) { Send-Signal $p 'TERM' }
    foreach ($p in @($Live)) {
        if (-not $p.WaitForExit(3000)) { Send-Signal $p 'KILL'; $null = $p.WaitForExit(2000) }
    }
    $Live.Clear()
}

# One measured run: fresh topology, peer up, measured run to completion, peer stopped.
function Invoke-Run([string] $Kind, [string] $Mode, [string] $Exe) {
    $k = $Kinds[$Kind]
    $common = @('--mode', $Mode, '--json')
    New-Topology
    try {
        $peer = Start-Tool $NsB $ReferencePath (@($k.Peer) + @('-i', $VethB, '--cpu', $PeerCpu) + $common) -Peer
        Wait-Ready $peer 15
        $meas = Start-Tool $NsA $Exe (@($k.Measured, '-i', $VethA, '--cpu', $MeasuredCpu,
                '--duration', "$Seconds", '--warmup', "$Warmup") + $common)
        # sink/reflect start their clock at the first frame and give up after 10 s without one.
        $r = Complete-Tool $meas ($Warmup + $Seconds + 30) 'measured'
        Send-Signal $peer.Process 'TERM'
        $pr = Complete-Tool $peer 10 'peer'
        if ([long]$r.frames -le 0) { Fail "measured $($r.tool) $($r.cmd) moved no frames: $($meas.Command)" }
        return [pscustomobject]@{ Result = $r; Peer = $pr }
    } finally {
        Stop-All
        Remove-Topology
    }
}

# The PNG chart (gnuplot, from build.ps1's setup): rates side by side, and the two ratios with their
# min-max over the pairs against the line at 1. Without gnuplot the benchmark says so and goes on.
function Write-Chart($Summary, [string] $Png) {
    if (-not (Get-Command gnuplot -CommandType Application -ErrorAction Ignore)) {
        Write-Host 'bench: gnuplot not found (Debian package gnuplot-nox); no chart'
        return
    }
    $data = [System.IO.Path]::ChangeExtension($Png, '.dat')
    $lines = @('# cell mpps_c mpps_xdpaot ratio_mpps min max ratio_cpu min max')
    foreach ($s in $Summary) {
        $rc = if ($null -ne $s.ratio_cpu) { "$($s.ratio_cpu) $($s.ratio_cpu_min) $($s.ratio_cpu_max)" } else { 'NaN NaN NaN' }
        $lines += "$($s.cell) $($s.mpps_c) $($s.mpps_xdpaot) $($s.ratio_mpps) $($s.ratio_mpps_min) $($s.ratio_mpps_max) $rc"
    }
    Set-Content -LiteralPath $data -Value $lines -Encoding utf8NoBOM
    $plot = @"
set terminal pngcairo size 1400,560 font 'sans,11'
set output '$Png'
set multiplot layout 1,2 title 'XdpAot vs the C reference (libxdp), veth, 64-byte frames, $Pairs pairs per cell (medians)'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -25 noenhanced
set key top right
set yrange [0:*]
set title 'frames per second (Mpps)'
plot '$data' using 2:xtic(1) title 'C reference' lc rgb '#8c8c8c', '' using 3 title 'XdpAot' lc rgb '#1f77b4'
unset style
set style histogram errorbars gap 1 lw 1.5
set style data histogram
set style fill solid 0.85 border -1
set title 'XdpAot / C per pair: Mpps (above 1 is better), CPU per frame (below 1 is better)'
set yrange [0:*]
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#d62728' lw 2 dt 2
plot '$data' using 4:5:6:xtic(1) title 'Mpps ratio' lc rgb '#1f77b4', '' using 7:8:9 title 'CPU ratio' lc rgb '#ff7f0e'
unset multiplot
"@
    $script = [System.IO.Path]::ChangeExtension($Png, '.gp')
    Set-Content -LiteralPath $script -Value $plot -Encoding utf8NoBOM
    $out = & gnuplot $script 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Warning "gnuplot failed, no chart: $out"; return }
    Write-Host "wrote $Png (chart)"
}

# ---------------------------------------------------------------- main

# `pwsh -File` passes "a,b" as one string: split lists here.
$Cells = @($Cells | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$Modes = @($Modes | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$badModes = @($Modes | Where-Object { $_ -notin 'skb', 'native' })
if ($badModes.Count -or -not $Modes.Count) {
    [Console]::Error.WriteLine("bench: unknown or empty -Modes '$($Modes -join ',')'; use skb, native")
    exit 2
}
$all = foreach ($kind in $Kinds.Keys) { foreach ($m in 'skb', 'native') { "$kind/$m" } }
$selected = @($all | Where-Object {
        $kind, $m = $_ -split '/'
        ($Cells -contains $kind -or $Cells -contains $_) -and $Modes -contains $m })
$unknown = @($Cells | Where-Object { $_ -notin $Kinds.Keys -and $_ -notin $all })
if ($unknown.Count -or -not $selected.Count) {
    [Console]::Error.WriteLine("bench: unknown or empty -Cells '$($Cells -join ',')'; use $($Kinds.Keys -join ', ') or e.g. reflect/native")
    exit 2
}

$exit = 0
$done = $false
try {
    if ((& id -u) -ne '0') { Fail 'the macro benchmark needs root (network namespaces, XDP)' }
    $XdpAotPath = Resolve-Tool $XdpAot 'XdpAot binary'
    $ReferencePath = Resolve-Tool $Reference 'C reference'
    $ncpu = [Environment]::ProcessorCount
    $PeerCpu = '0'; $MeasuredCpu = if ($ncpu -ge 2) { '1' } else { '0' }
    if ($ncpu -lt 2) { Write-Warning 'one CPU only: measured and peer share CPU 0' }

    Write-Host "XdpAot macro benchmark: $($selected.Count) cells x $Pairs pairs, warm-up $Warmup s + $Seconds s, measured on CPU $MeasuredCpu, peer on CPU $PeerCpu"
    Write-Host "  xdpaot:    $XdpAotPath"
    Write-Host "  reference: $ReferencePath"

    $minShare = 1.0
    $summary = [System.Collections.Generic.List[object]]::new()
    $runs = [System.Collections.Generic.List[object]]::new()
    foreach ($cell in $selected) {
        $kind, $mode = $cell -split '/'
        $c = [System.Collections.Generic.List[object]]::new()
        $x = [System.Collections.Generic.List[object]]::new()
        for ($i = 1; $i -le $Pairs; $i++) {
            foreach ($side in 'c', 'xdpaot') {
                $exe = if ($side -eq 'c') { $ReferencePath } else { $XdpAotPath }
                $run = Invoke-Run $kind $mode $exe
                $r = $run.Result; $p = $run.Peer
                # A spinning tool on an idle core gets ~1.0; less means something else ran there.
                $share = if ([double]$r.seconds -gt 0) { ([double]$r.user_s + [double]$r.sys_s) / [double]$r.seconds } else { 0 }
                # Only the reference always spins: `xdpaot sink` naps by design, so its share says nothing about
                # other work on the core.
                if ($side -eq 'c') { $minShare = [math]::Min($minShare, $share) }
                $peerRx = if ($p.PSObject.Properties['rx_frames']) { ", back $($p.rx_frames)" } else { '' }
                Write-Host ("  {0,-15} pair {1}/{2} {3,-6}: {4,7:F3} Mpps {5,8:F1} ns/frame  cpu share {6:F2}  (peer {7} {8:F3} Mpps{9})" -f
                    $cell, $i, $Pairs, $side, [double]$r.mpps, [double]$r.cpu_ns_per_frame, $share, $p.cmd, [double]$p.mpps, $peerRx)
                $runs.Add([pscustomobject]@{ cell = $cell; pair = $i; side = $side; cpu_share = [math]::Round($share, 3); measured = $r; peer = $p })
                if ($side -eq 'c') { $c.Add($r) } else { $x.Add($r) }
            }
        }
        $rm = [double[]]@(for ($i = 0; $i -lt $Pairs; $i++) { [double]$x[$i].mpps / [double]$c[$i].mpps })
        $rc = [double[]]@(for ($i = 0; $i -lt $Pairs; $i++) {
                $cc = [double]$c[$i].cpu_ns_per_frame
                if ($cc -gt 0) { [double]$x[$i].cpu_ns_per_frame / $cc } else { [double]::NaN } })
        $rc = [double[]]@($rc | Where-Object { -not [double]::IsNaN($_) })
        $summary.Add([pscustomobject][ordered]@{
                cell                    = $cell
                mpps_xdpaot             = [math]::Round((Get-Median @($x | ForEach-Object { [double]$_.mpps })), 4)
                mpps_c                  = [math]::Round((Get-Median @($c | ForEach-Object { [double]$_.mpps })), 4)
                ratio_mpps              = [math]::Round((Get-Median $rm), 4)
                ratio_mpps_min          = [math]::Round(($rm | Measure-Object -Minimum).Minimum, 4)
                ratio_mpps_max          = [math]::Round(($rm | Measure-Object -Maximum).Maximum, 4)
                cpu_ns_per_frame_xdpaot = [math]::Round((Get-Median @($x | ForEach-Object { [double]$_.cpu_ns_per_frame })), 1)
                cpu_ns_per_frame_c      = [math]::Round((Get-Median @($c | ForEach-Object { [double]$_.cpu_ns_per_frame })), 1)
                ratio_cpu               = if ($rc.Count) { [math]::Round((Get-Median $rc), 4) } else { $null }
                ratio_cpu_min           = if ($rc.Count) { [math]::Round(($rc | Measure-Object -Minimum).Minimum, 4) } else { $null }
                ratio_cpu_max           = if ($rc.Count) { [math]::Round(($rc | Measure-Object -Maximum).Maximum, 4) } else { $null }
                pairs                   = $Pairs
            })
    }

    # Table for people.
    $fmt = '{0,-15} {1,8} {2,8}  {3,-24} {4,9} {5,9}  {6,-24} {7,5}'
    Write-Host ''
    Write-Host ($fmt -f 'cell', 'Mpps C', 'XdpAot', 'ratio med [min-max]', 'ns/f C', 'XdpAot', 'cpu ratio med [min-max]', 'pairs')
    foreach ($s in $summary) {
        $cr = if ($null -ne $s.ratio_cpu) { '{0:F3} [{1:F3}-{2:F3}]' -f $s.ratio_cpu, $s.ratio_cpu_min, $s.ratio_cpu_max } else { 'n/a' }
        Write-Host ($fmt -f $s.cell, ('{0:F3}' -f $s.mpps_c), ('{0:F3}' -f $s.mpps_xdpaot),
            ('{0:F3} [{1:F3}-{2:F3}]' -f $s.ratio_mpps, $s.ratio_mpps_min, $s.ratio_mpps_max),
            ('{0:F1}' -f $s.cpu_ns_per_frame_c), ('{0:F1}' -f $s.cpu_ns_per_frame_xdpaot), $cr, $s.pairs)
    }
    Write-Host 'ratios are XdpAot / C per pair: Mpps ratio > 1 and cpu ratio < 1 favour XdpAot'
    if ($minShare -lt 0.8) {
        Write-Host ("warning: the measured CPU was shared with other work (lowest cpu share of a reference run {0:F2}); Mpps are not meaningful, CPU ns/frame and its ratio still are" -f $minShare)
    }

    $dir = Split-Path -Parent ([System.IO.Path]::GetFullPath($Json))
    if ($dir) { $null = New-Item -ItemType Directory -Force -Path $dir }
    ConvertTo-Json -InputObject @($summary) -Depth 4 | Set-Content -LiteralPath $Json -Encoding utf8NoBOM
    $runsPath = [System.IO.Path]::ChangeExtension($Json, '.runs.json')
    ConvertTo-Json -InputObject @($runs) -Depth 5 | Set-Content -LiteralPath $runsPath -Encoding utf8NoBOM
    Write-Host "wrote $Json (summary) and $runsPath (every run)"
    Write-Chart $summary ([System.IO.Path]::ChangeExtension($Json, '.png'))
    $done = $true
} catch {
    $done = $true
    Write-Host "bench: $($_.Exception.Message)" -ForegroundColor Red
    $exit = 1
} finally {
    # Also reached on Ctrl-C: stop our tools, remove our namespaces (and with them the veths).
    Stop-All
    Remove-Topology
    # Ctrl-C stops the script without reaching `exit`, and a plain `exit` here is ignored.
    if (-not $done) { Write-Host 'bench: interrupted'; [Environment]::Exit(130) }
}
exit $exit
