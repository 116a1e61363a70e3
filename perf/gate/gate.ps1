#!/usr/bin/env pwsh
# The deterministic perf gate: instructions per frame of the data path's hot loops, counted by callgrind, against
# a committed baseline. Fails (exit 1) when a loop costs more than the baseline by over -Tolerance (5%).
#
#   dotnet pwsh perf/gate/gate.ps1                    # build, count, compare, print the table
#   dotnet pwsh perf/gate/gate.ps1 -UpdateBaseline    # the explicit, reviewed step: rewrite baseline.json
#
# Each loop runs twice, for -Frames and 2 x -Frames frames, in the NativeAOT program perf/gate/XdpAot.Gate and in
# its C twin perf/gate/c (libxdp's xsk.h ring helpers, gcc -O2), both against the same fake kernel in memory.
# callgrind counts only the loops' *Step functions (--toggle-collect), never the fake kernel, and the difference
# of the two runs divided by the difference in frames cancels whatever is done once. Instruction counts are
# deterministic; they depend on the CPU features valgrind reports (the x64 code picks SSSE3/AVX2 paths at run
# time), so the baseline belongs to one kind of machine: update it where CI runs.
# Exit codes: 0 pass, 1 regression or failure, 2 bad arguments.

[CmdletBinding()]
param(
    [switch]$UpdateBaseline,
    [double]$Tolerance = 0.05,
    [ValidateRange(64, 100000000)] [int]$Frames = 64000,
    [string[]]$Loops = @('rx', 'tx', 'tx-batch', 'reflect'),
    [string]$Baseline = (Join-Path $PSScriptRoot 'baseline.json'),
    [string]$OutDir = (Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'artifacts/gate'),
    [switch]$NoBuild
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false

$Root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$GateProject = Join-Path $PSScriptRoot 'XdpAot.Gate/XdpAot.Gate.csproj'
$CSources = @(Get-ChildItem -Path (Join-Path $PSScriptRoot 'c') -Filter '*.c' | ForEach-Object FullName)
$ManagedExe = Join-Path $OutDir 'bin/XdpAot.Gate'
$CExe = Join-Path $OutDir 'gate_c'
$KnownLoops = @('rx', 'tx', 'tx-batch', 'reflect')

# The counted function of each loop: C symbol, and the NativeAOT symbol (assembly_namespace_type__method).
$StepSymbols = @{
    'rx'       = @{ C = 'rx_step'; Managed = 'XdpAot_Gate_XdpAot_Gate_Loops__RxStep' }
    'tx'       = @{ C = 'tx_step'; Managed = 'XdpAot_Gate_XdpAot_Gate_Loops__TxStep' }
    'tx-batch' = @{ C = 'tx_batch_step'; Managed = 'XdpAot_Gate_XdpAot_Gate_Loops__TxBatchStep' }
    'reflect'  = @{ C = 'reflect_step'; Managed = 'XdpAot_Gate_XdpAot_Gate_Loops__ReflectStep' }
}

foreach ($l in $Loops) {
    if ($l -notin $KnownLoops) {
        [Console]::Error.WriteLine("gate: unknown loop '$l' (known: $($KnownLoops -join ', '))")
        exit 2
    }
}
if ($Frames % 64 -ne 0) {
    [Console]::Error.WriteLine("gate: -Frames must be a multiple of the batch size 64 (got $Frames)")
    exit 2
}

function Invoke-Tool([string]$File, [string[]]$Arguments, [switch]$Capture) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    try { $p = [System.Diagnostics.Process]::Start($psi) }
    catch { throw "cannot start '$File': $($_.Exception.GetBaseException().Message)" }
    $err = $p.StandardError.ReadToEndAsync()
    $out = $p.StandardOutput.ReadToEnd()
    $errText = $err.GetAwaiter().GetResult()
    $p.WaitForExit()
    $r = [pscustomobject]@{ Code = $p.ExitCode; Out = $out; Err = $errText }
    $p.Dispose()
    if ($r.Code -ne 0) {
        throw "'$File $($Arguments -join ' ')' failed with exit code $($r.Code)`n$($r.Out)$($r.Err)"
    }
    return $r
}

function Assert-Command([string]$Name, [string]$Package) {
    if (-not (Get-Command $Name -CommandType Application -ErrorAction Ignore)) {
        throw "gate: '$Name' not found (Debian package $Package; build.ps1 setup installs it)"
    }
}

# ---- build ------------------------------------------------------------------------------------------------

function Build-Gate {
    Assert-Command gcc gcc
    if (-not (Test-Path /usr/include/xdp/xsk.h)) { throw 'gate: /usr/include/xdp/xsk.h not found (Debian package libxdp-dev)' }
    [void](New-Item -ItemType Directory -Force -Path $OutDir)
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    [void](Invoke-Tool gcc (@('-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-o', $CExe) + $CSources))
    # Incremental: the AOT compile reruns only when an input changed (its state lives in the project's obj/).
    [void](Invoke-Tool dotnet @('publish', $GateProject, '-c', 'Release', '-o', (Join-Path $OutDir 'bin'), '-nologo', '-v', 'q'))
    Write-Host ("gate: built in {0:0.0} s" -f $sw.Elapsed.TotalSeconds)
}

# ---- count ------------------------------------------------------------------------------------------------

# Runs one loop under callgrind; returns the instructions counted in its step function and the program's line.
function Measure-Run([string]$Exe, [string]$Symbol, [string]$Loop, [int]$N) {
    $out = Join-Path $OutDir "callgrind.$([IO.Path]::GetFileName($Exe)).$Loop.$N.out"
    $r = Invoke-Tool valgrind @('--tool=callgrind', "--callgrind-out-file=$out", "--toggle-collect=$Symbol", $Exe, $Loop, "$N")
    $summary = Select-String -Path $out -Pattern '^(summary|totals):\s+(\d+)' | Select-Object -First 1
    if ($null -eq $summary) { throw "gate: no instruction count in $out" }
    $ir = [long]$summary.Matches[0].Groups[2].Value
    if ($ir -eq 0) { throw "gate: callgrind counted nothing in $Symbol ($Exe $Loop $N): symbol renamed or stripped?" }
    $line = ($r.Out -split "`n" | Where-Object { $_ -like 'loop=*' } | Select-Object -First 1)
    if ($line -notmatch "^loop=$([regex]::Escape($Loop)) frames=(\d+) check=(\d+)") { throw "gate: unexpected output from $Exe $Loop $N`: $($r.Out)" }
    if ([long]$Matches[1] -ne $N) { throw "gate: $Exe $Loop ran $($Matches[1]) frames, not $N" }
    [pscustomobject]@{ Ir = $ir; Check = $Matches[2] }
}

function Measure-Loop([string]$Loop) {
    $n1 = $Frames; $n2 = 2 * $Frames
    $m = @{}
    foreach ($side in 'Managed', 'C') {
        $exe = if ($side -eq 'C') { $CExe } else { $ManagedExe }
        $a = Measure-Run $exe $StepSymbols[$Loop][$side] $Loop $n1
        $b = Measure-Run $exe $StepSymbols[$Loop][$side] $Loop $n2
        $m[$side] = [pscustomobject]@{ PerFrame = ($b.Ir - $a.Ir) / ($n2 - $n1); Check = $b.Check }
    }
    # Both sides fold what they did (frames, bytes, bytes seen by the handler) into one number: same work, same number.
    if ($m.Managed.Check -ne $m.C.Check) {
        throw "gate: loop $Loop did different work in C# and C (check $($m.Managed.Check) vs $($m.C.Check))"
    }
    [pscustomobject]@{ Loop = $Loop; XdpAot = [math]::Round($m.Managed.PerFrame, 2); C = [math]::Round($m.C.PerFrame, 2) }
}

# ---- main -------------------------------------------------------------------------------------------------

try {
    Assert-Command valgrind valgrind
    if (-not $NoBuild) { Build-Gate }
    foreach ($f in $ManagedExe, $CExe) { if (-not (Test-Path $f)) { throw "gate: $f missing (run without -NoBuild)" } }

    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $results = @($Loops | ForEach-Object { Measure-Loop $_ })
    Write-Host ("gate: counted {0} loops in {1:0.0} s ({2} and {3} frames each, {4})" -f $results.Count,
        $sw.Elapsed.TotalSeconds, $Frames, (2 * $Frames), ((Invoke-Tool valgrind @('--version')).Out.Trim()))

    $base = $null
    if (Test-Path $Baseline) { $base = Get-Content -Raw $Baseline | ConvertFrom-Json }
    $failed = @()
    $rows = foreach ($r in $results) {
        $b = if ($null -ne $base -and $base.loops.PSObject.Properties.Name -contains $r.Loop) { [double]$base.loops.($r.Loop).xdpaot } else { $null }
        $change = if ($null -ne $b -and $b -gt 0) { ($r.XdpAot - $b) / $b } else { $null }
        $status = if ($UpdateBaseline) { 'new baseline' } elseif ($null -eq $b) { 'NO BASELINE' } elseif ($change -gt $Tolerance) { 'REGRESSION' } else { 'ok' }
        if ($status -in 'REGRESSION', 'NO BASELINE') { $failed += $r.Loop }
        [pscustomobject]@{
            loop              = $r.Loop
            'XdpAot Ir/frame' = '{0:0.00}' -f $r.XdpAot
            'baseline'        = if ($null -ne $b) { '{0:0.00}' -f $b } else { '-' }
            'change'          = if ($null -ne $change) { '{0:+0.0%;-0.0%;0.0%}' -f $change } else { '-' }
            'C Ir/frame'      = '{0:0.00}' -f $r.C
            'XdpAot/C'        = '{0:0.00}' -f ($r.XdpAot / $r.C)
            status            = $status
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    $json = [ordered]@{
        tool      = 'callgrind'
        unit      = 'instructions per frame (Ir), step functions only'
        frames    = @($Frames, (2 * $Frames))
        valgrind  = (Invoke-Tool valgrind @('--version')).Out.Trim()
        loops     = [ordered]@{}
    }
    foreach ($r in $results) { $json.loops[$r.Loop] = [ordered]@{ xdpaot = $r.XdpAot; c = $r.C; ratio = [math]::Round($r.XdpAot / $r.C, 3) } }
    $json | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $OutDir 'gate.json')

    if ($UpdateBaseline) {
        if ($Loops.Count -ne $KnownLoops.Count) { throw 'gate: -UpdateBaseline needs every loop (leave -Loops out)' }
        $json | ConvertTo-Json -Depth 5 | Set-Content -Path $Baseline
        Write-Host "gate: baseline written to $Baseline; review and commit it"
        exit 0
    }
    if ($null -eq $base) {
        [Console]::Error.WriteLine("gate: no baseline at $Baseline (create it with: dotnet pwsh build.ps1 bench-baseline)")
        exit 1
    }
    if ($failed.Count -gt 0) {
        [Console]::Error.WriteLine("gate: FAILED: $($failed -join ', ') over the baseline by more than $($Tolerance.ToString('P0')) (or missing from it)")
        exit 1
    }
    Write-Host "gate: passed (tolerance $($Tolerance.ToString('P0')))"
    exit 0
}
catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    exit 1
}
