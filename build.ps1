#!/usr/bin/env pwsh
# XdpAot build script (PowerShell 7, restored as a local dotnet tool).
#
#   dotnet tool restore && dotnet pwsh build.ps1 <task> [args passed through]
#
# No param block on purpose: the first argument is the task and everything after it is passed
# through verbatim (a param block would make PowerShell bind or reject `-Pairs 2`, `--filter X`).
# The script can be dot-sourced (`. ./build.ps1`) to load its functions without running a task.

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false   # exit codes are checked by Invoke-Native
$ScriptArgs = @($args)

$Root      = $PSScriptRoot
$Artifacts = Join-Path $Root 'artifacts'
$Rid       = 'linux-x64'
$Config    = 'Release'

$env:DOTNET_CLI_TELEMETRY_OPTOUT       = '1'
$env:DOTNET_NOLOGO                     = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
# NUGET_PACKAGES is deliberately left as the caller set it (or unset): `dotnet tool restore` ran with
# that value before this script started, and every dotnet call below must use the same package folder.
$env:XDPAOT_ARTIFACTS = $Artifacts   # tests, demo and benchmarks may use it to find the published files

$Projects = @{
    Sln        = Join-Path $Root 'XdpAot.sln'
    Native     = Join-Path $Root 'src/XdpAot.Native/XdpAot.Native.csproj'
    Cli        = Join-Path $Root 'src/XdpAot.Cli/XdpAot.Cli.csproj'
    Tests      = Join-Path $Root 'tests/XdpAot.Tests/XdpAot.Tests.csproj'
    Benchmarks = Join-Path $Root 'perf/XdpAot.Benchmarks/XdpAot.Benchmarks.csproj'
}
$Out = @{
    Lib     = Join-Path $Artifacts 'lib/libxdpaot.so'
    Header  = Join-Path $Artifacts 'include/xdpaot.h'
    Exe     = Join-Path $Artifacts 'bin/xdpaot'
    Publish = Join-Path $Artifacts 'publish'
    Results = Join-Path $Artifacts 'test-results'
}
# Debian packaging: inputs (control template, unit, example config, copyright, changelog, .pc template), the staging
# tree (debian/PKG/ as debhelper lays it out, so dpkg-shlibdeps finds what it expects) and the machine's layout.
$Packaging = @{
    Inputs    = Join-Path $Root 'src/XdpAot.Packaging'
    Symbols   = Join-Path $Root 'src/XdpAot.Native/libxdpaot.symbols'
    Stage     = Join-Path $Artifacts 'package'
    Arch      = 'amd64'
    Multiarch = 'x86_64-linux-gnu'
}
$Reference = @{
    Dir = Join-Path $Root 'perf/reference'
    Exe = Join-Path $Root 'perf/reference/build/xsk_ref'
}
$BenchScript = Join-Path $Root 'perf/macro/bench.ps1'
$GateScript  = Join-Path $Root 'perf/gate/gate.ps1'

# ---------------------------------------------------------------------------------------------
# Prerequisites: what each task needs on the machine, and the Debian package that provides it.
# `setup` installs the packages; every other task checks its prerequisites and runs `setup` by
# itself when one is missing, so the README's commands work on a fresh machine.
# ---------------------------------------------------------------------------------------------

$Prereqs = [ordered]@{
    'xdp/xsk.h'          = @{ Package = 'libxdp-dev';             Test = { Test-Path /usr/include/xdp/xsk.h } }
    'bpf/libbpf.h'       = @{ Package = 'libbpf-dev';             Test = { Test-Path /usr/include/bpf/libbpf.h } }
    'libxdp.so.1'        = @{ Package = 'libxdp1';                Test = { Find-File 'libxdp.so.1' $LibDirs } }
    'linux/if_xdp.h'     = @{ Package = 'linux-libc-dev';         Test = { Test-Path /usr/include/linux/if_xdp.h } }
    'libclang-14.so.1'   = @{ Package = 'libclang1-14';           Test = { Find-File 'libclang-14.so.1' ($LibDirs + '/usr/lib/llvm-14/lib') } }
    'clang builtin headers' = @{ Package = 'libclang-common-14-dev'; Test = { @(Get-Item /usr/lib/llvm-14/lib/clang/*/include/stddef.h -ErrorAction Ignore).Count -gt 0 } }
    'gcc'                = @{ Package = 'gcc';                    Test = { Find-Exe gcc } }
    'libc headers'       = @{ Package = 'libc6-dev';              Test = { Test-Path /usr/include/stdio.h } }
    'make'               = @{ Package = 'make';                   Test = { Find-Exe make } }
    'ip'                 = @{ Package = 'iproute2';               Test = { Find-Exe ip } }
    'ethtool'            = @{ Package = 'ethtool';                Test = { Find-Exe ethtool } }
    'ps'                 = @{ Package = 'procps';                 Test = { Find-Exe ps } }
    'valgrind'           = @{ Package = 'valgrind';               Test = { Find-Exe valgrind } }
    'gnuplot'            = @{ Package = 'gnuplot-nox';            Test = { Find-Exe gnuplot } }
    # QEMU 10 (vhost-user guests) only comes from backports; Suite makes setup add that apt source and install from it.
    'qemu-system-x86_64' = @{ Package = 'qemu-system-x86';        Test = { Find-Exe qemu-system-x86_64 }; Suite = 'backports' }
    'dpdk-testpmd'       = @{ Package = 'dpdk-dev';               Test = { Find-Exe dpdk-testpmd } }
    'busybox-static'     = @{ Package = 'busybox-static';         Test = { @(Get-MissingPackages @('busybox-static')).Count -eq 0 } }
    'lz4'                = @{ Package = 'lz4';                    Test = { Find-Exe lz4 } }
    'dpkg-shlibdeps'     = @{ Package = 'dpkg-dev';               Test = { Find-Exe dpkg-shlibdeps } }
    'lintian'            = @{ Package = 'lintian';                Test = { Find-Exe lintian } }
    'pkg-config'         = @{ Package = 'pkgconf';                Test = { Find-Exe pkg-config } }
    'man'                = @{ Package = 'man-db';                 Test = { Find-Exe man } }
    'groff'              = @{ Package = 'groff-base';             Test = { Find-Exe groff } }
    'objcopy'            = @{ Package = 'binutils';               Test = { Find-Exe objcopy } }
    'systemd-analyze'    = @{ Package = 'systemd';                Test = { Find-Exe systemd-analyze } }
}
$LibDirs = @('/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib')
$SetupPackages = @($Prereqs.Values | ForEach-Object { $_.Package } | Select-Object -Unique)

# Prerequisite groups, named by what needs them.
$Needs = @{
    Build   = @('xdp/xsk.h', 'linux/if_xdp.h', 'libclang-14.so.1', 'clang builtin headers')   # binding generator
    Publish = @('gcc', 'libc headers', 'make', 'bpf/libbpf.h')                                # AOT link, C reference
    Net     = @('ip', 'ethtool', 'ps', 'libxdp.so.1')                                          # namespaces, veth, loader=libxdp
    Gate    = @('valgrind')
    Chart   = @('gnuplot')                                                                     # bench's PNG chart
    Guest   = @('qemu-system-x86_64', 'dpdk-testpmd', 'busybox-static', 'lz4', 'gcc', 'libc headers')   # tests/guest image, QEMU, testpmd
    Package = @('dpkg-shlibdeps', 'objcopy', 'lintian', 'pkg-config', 'man', 'groff', 'systemd-analyze')   # package, its tests
}

function Find-Exe([string]$Name) {
    if (Get-Command $Name -CommandType Application -ErrorAction Ignore) { return $true }
    foreach ($d in '/usr/sbin', '/sbin') { if (Test-Path (Join-Path $d $Name)) { return $true } }   # non-root PATH lacks sbin
    return $false
}

function Find-File([string]$Name, [string[]]$Dirs) {
    foreach ($d in $Dirs) { if (Test-Path (Join-Path $d $Name)) { return $true } }
    return $false
}

function Get-MissingPrereqs([string[]]$Names) {
    @($Names | Where-Object { -not (& $Prereqs[$_].Test) })
}

function Assert-Prereqs([string[]]$Names) {
    $missing = @(Get-MissingPrereqs $Names)
    if ($missing.Count -eq 0) { return }
    Write-Host "missing prerequisites: $($missing -join ', '); running setup" -ForegroundColor Yellow
    Use-Task 'setup'
    $still = @(Get-MissingPrereqs $Names)
    if ($still.Count -gt 0) {
        $pkgs = ($still | ForEach-Object { $Prereqs[$_].Package } | Select-Object -Unique) -join ' '
        throw "still missing after setup: $($still -join ', ') (Debian packages: $pkgs)"
    }
}

function Test-Root {
    $uid = Select-String -Path /proc/self/status -Pattern '^Uid:\s+\d+\s+(\d+)' | Select-Object -First 1
    return ($null -ne $uid -and $uid.Matches[0].Groups[1].Value -eq '0')
}

# ---------------------------------------------------------------------------------------------
# Native commands: one helper. Arguments go to the process verbatim through ProcessStartInfo.
# ArgumentList (PowerShell's `&` would glob-expand `*` in variables on Unix and re-quote), the child
# inherits stdout/stderr, and a non-zero exit code throws unless -NoThrow.
# ---------------------------------------------------------------------------------------------

function Invoke-Native {
    param(
        [Parameter(Mandatory, Position = 0)] [string]$FilePath,
        [Parameter(Position = 1)] [AllowEmptyCollection()] [string[]]$ArgumentList = @(),
        [switch]$NoThrow,    # return the exit code instead of throwing
        [switch]$Capture,    # return stdout (stderr discarded) instead of letting it through
        [switch]$Quiet       # do not echo the command line
    )
    if (-not $Quiet) { Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = (Get-Location).ProviderPath
    if ($Capture) { $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true }
    try { $p = [System.Diagnostics.Process]::Start($psi) }
    catch { throw "cannot start '$FilePath': $($_.Exception.GetBaseException().Message)" }
    $stdout = $null
    if ($Capture) {
        $stderrTask = $p.StandardError.ReadToEndAsync()
        $stdout = $p.StandardOutput.ReadToEnd()
        [void]$stderrTask.GetAwaiter().GetResult()
    }
    $p.WaitForExit()
    $code = $p.ExitCode
    $p.Dispose()
    if ($code -ne 0 -and -not $NoThrow) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $code" }
    if ($Capture) { return $stdout }
    if ($NoThrow) { return $code }
}

# Run another PowerShell script in a child pwsh (same PowerShell as this one), so its arguments
# (`-Pairs 2 -Quick`) are bound exactly as on a command line and its state stays its own.
function Invoke-PwshScript([string]$Script, [string[]]$ArgumentList = @(), [switch]$NoThrow) {
    $exe = [Environment]::ProcessPath
    $pre = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $pre = @(Join-Path $PSHOME 'pwsh.dll') }
    Invoke-Native $exe ($pre + @('-NoProfile', '-NonInteractive', '-File', $Script) + $ArgumentList) -NoThrow:$NoThrow
}

# ---------------------------------------------------------------------------------------------
# Tasks: one function each; Use-Task runs each at most once per invocation (dependencies).
# ---------------------------------------------------------------------------------------------

$Done = [System.Collections.Generic.HashSet[string]]::new()
$ExitCode = 0

function Use-Task([string]$Name, [string[]]$PassArgs = @()) {
    if (-not $Done.Add($Name)) { return }
    $fn = 'Invoke-' + (($Name -split '-' | ForEach-Object { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) }) -join '') + 'Task'
    if ($Name -ne 'help') { Write-Host "== $Name" -ForegroundColor Cyan }
    & $fn $PassArgs
}

$TaskHelp = [ordered]@{
    'setup'          = 'install the Debian packages the build and tests need (root; prints the apt command otherwise)'
    'build'          = "dotnet build XdpAot.sln -c $Config"
    'publish'        = 'native AOT publish -> artifacts/lib/libxdpaot.so.X.Y.Z (+ .so.X, .so links), artifacts/include/xdpaot.h, artifacts/bin/xdpaot; make -C perf/reference'
    'package'        = 'publish, then the Debian packages artifacts/{libxdpaotX,libxdpaot-dev,xdpaot}_VERSION_amd64.deb (dpkg-deb), checked by lintian'
    'test'           = 'build, publish, package, dotnet test (xunit); last line: "N passed, N failed[, N skipped]"; args go to dotnet test'
    'demo'           = 'publish, then artifacts/bin/xdpaot demo <args> (root: namespaces, veth, XDP)'
    'bench'          = 'publish, then perf/macro/bench.ps1 <args> (macro benchmark vs the C reference), then perf/gate/gate.ps1'
    'bench-micro'    = 'dotnet run the BenchmarkDotNet micro benchmarks; args go to BenchmarkDotNet (default --filter *)'
    'bench-baseline' = 'publish, then perf/gate/gate.ps1 -UpdateBaseline <args> (instruction-count gate baseline)'
    'help'           = 'this text'
}

$TakesArgs = @('build', 'test', 'demo', 'bench', 'bench-micro', 'bench-baseline')

function Show-Usage([switch]$ToStderr) {
    $lines = @('usage: dotnet pwsh build.ps1 <task> [args passed through to the task''s main command]', '', 'tasks:')
    foreach ($k in $TaskHelp.Keys) { $lines += '  {0,-15} {1}' -f $k, $TaskHelp[$k] }
    $lines += '', 'first run on a fresh machine: dotnet tool restore && dotnet pwsh build.ps1 <task>'
    if ($ToStderr) { [Console]::Error.WriteLine(($lines -join [Environment]::NewLine)) }
    else { $lines | ForEach-Object { Write-Host $_ } }
}

function Invoke-HelpTask { Show-Usage }

function Invoke-SetupTask {
    $missing = @(Get-MissingPackages $SetupPackages)
    if ($missing.Count -eq 0) {
        Write-Host "setup: all $($SetupPackages.Count) packages installed ($($SetupPackages -join ' '))"
        return
    }
    $backports = @($Prereqs.Values | Where-Object { $_.Contains('Suite') -and $_.Package -in $missing } | ForEach-Object { $_.Package } | Select-Object -Unique)
    $plain = @($missing | Where-Object { $_ -notin $backports })
    Write-Host "setup: missing packages: $($missing -join ' ')"
    if (-not (Test-Root)) {
        [Console]::Error.WriteLine('setup: not root; run this as root, then the task again:')
        if ($backports.Count -gt 0) {
            [Console]::Error.WriteLine("  (add the $(Get-BackportsSuite) apt source: deb $(Get-DebianMirror) $(Get-BackportsSuite) main)")
        }
        [Console]::Error.WriteLine("  sudo apt-get update && sudo apt-get install -y --no-install-recommends $($plain -join ' ')")
        if ($backports.Count -gt 0) {
            [Console]::Error.WriteLine("  sudo apt-get install -y --no-install-recommends -t $(Get-BackportsSuite) $($backports -join ' ')")
        }
        throw 'setup: packages missing and not root'
    }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    if ($backports.Count -gt 0) { Add-BackportsSource }
    Invoke-Native apt-get @('update')
    if ($plain.Count -gt 0) { Invoke-Native apt-get (@('install', '-y', '--no-install-recommends') + $plain) }
    if ($backports.Count -gt 0) {
        Invoke-Native apt-get (@('install', '-y', '--no-install-recommends', '-t', (Get-BackportsSuite)) + $backports)
    }
}

# <codename>-backports of the running Debian release (bookworm-backports on Debian 12).
function Get-BackportsSuite {
    $codename = Select-String -Path /etc/os-release -Pattern '^VERSION_CODENAME=(.+)$' | Select-Object -First 1
    if ($null -eq $codename) { throw 'setup: /etc/os-release has no VERSION_CODENAME; cannot name the backports suite' }
    return $codename.Matches[0].Groups[1].Value.Trim('"') + '-backports'
}

# The mirror the machine's own Debian sources use (deb822 debian.sources, else sources.list).
function Get-DebianMirror {
    $deb822 = '/etc/apt/sources.list.d/debian.sources'
    if (Test-Path $deb822) {
        $uri = Select-String -Path $deb822 -Pattern '^URIs:\s*(\S+)' | Select-Object -First 1
        if ($null -ne $uri) { return $uri.Matches[0].Groups[1].Value }
    }
    if (Test-Path /etc/apt/sources.list) {
        $line = Select-String -Path /etc/apt/sources.list -Pattern '^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s' | Select-Object -First 1
        if ($null -ne $line) { return $line.Matches[0].Groups[1].Value }
    }
    return 'http://deb.debian.org/debian'
}

# Adds the backports suite as an apt source (same mirror as the machine's, signed by debian-archive-keyring)
# unless some source already names it.
function Add-BackportsSource {
    $suite = Get-BackportsSuite
    $sources = @(Get-ChildItem -Path /etc/apt/sources.list.d -File -ErrorAction Ignore | Where-Object { $_.Name -match '\.(list|sources)$' } | ForEach-Object { $_.FullName })
    if (Test-Path /etc/apt/sources.list) { $sources += '/etc/apt/sources.list' }
    foreach ($f in $sources) {
        if (Select-String -Path $f -Pattern "^[^#]*\b$([regex]::Escape($suite))\b" -Quiet) {
            Write-Host "setup: $suite already an apt source ($f)"
            return
        }
    }
    $file = "/etc/apt/sources.list.d/$suite.sources"
    $text = @('Types: deb', "URIs: $(Get-DebianMirror)", "Suites: $suite", 'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg') -join "`n"
    Set-Content -LiteralPath $file -Value $text
    Write-Host "setup: added $file"
}

# Packages from $Names that dpkg does not report as installed ("ii").
function Get-MissingPackages([string[]]$Names) {
    if (-not (Find-Exe dpkg-query)) { throw 'setup: dpkg-query not found; this script installs packages on Debian/Ubuntu only. Needed: ' + ($Names -join ' ') }
    $out = Invoke-Native dpkg-query (@('-W', '-f=${Package}\t${db:Status-Abbrev}\n') + $Names) -Capture -NoThrow -Quiet
    $installed = @{}
    foreach ($line in ($out -split "`n")) {
        $f = $line -split "`t"
        if ($f.Count -ge 2 -and $f[1].StartsWith('ii')) { $installed[$f[0]] = $true }
    }
    @($Names | Where-Object { -not $installed.ContainsKey($_) })
}

function Invoke-BuildTask([string[]]$PassArgs) {
    Assert-Prereqs $Needs.Build
    Invoke-Native dotnet (@('build', $Projects.Sln, '-c', $Config) + $PassArgs)
}

function Invoke-PublishTask {
    Assert-Prereqs ($Needs.Build + $Needs.Publish)
    foreach ($p in 'Native', 'Cli') {
        if (-not (Test-Path $Projects[$p])) { throw "publish: $($Projects[$p]) does not exist" }
    }
    $nativeDir = Join-Path $Out.Publish 'XdpAot.Native'
    $cliDir    = Join-Path $Out.Publish 'XdpAot.Cli'
    # Fresh publish folders so a file that the build no longer produces is never picked up;
    # the AOT compilation itself stays incremental (its state lives in the projects' obj/).
    foreach ($d in $nativeDir, $cliDir) { if (Test-Path $d) { Remove-Item -Recurse -Force $d } }
    Invoke-Native dotnet @('publish', $Projects.Native, '-c', $Config, '-r', $Rid, '-o', $nativeDir)
    Invoke-Native dotnet @('publish', $Projects.Cli, '-c', $Config, '-r', $Rid, '-o', $cliDir)

    $so = Join-Path $nativeDir 'libxdpaot.so'
    if (-not (Test-Path $so)) { throw "publish: $so not produced (XdpAot.Native must publish a shared library named libxdpaot.so)" }
    $header = @(Get-ChildItem -Path $nativeDir -Recurse -File -Filter 'xdpaot.h' | Sort-Object LastWriteTimeUtc -Descending)
    if ($header.Count -eq 0) { throw "publish: xdpaot.h not found under $nativeDir (XdpAot.Native's publish must put the generated header there)" }
    $exe = Join-Path $cliDir 'xdpaot'
    if (-not (Test-Path $exe)) { throw "publish: $exe not produced (XdpAot.Cli must publish a native executable named xdpaot)" }

    Install-SharedLibrary $so (Split-Path -Parent $Out.Lib) (Get-XdpAotVersion)
    Copy-Artifact $header[0].FullName $Out.Header
    Copy-Artifact $exe $Out.Exe
    Invoke-Native chmod @('0755', $Out.Exe) -Quiet
    Write-Host "publish: $($Out.Lib), $($Out.Header), $($Out.Exe)"

    if (Test-Path (Join-Path $Reference.Dir 'Makefile')) {
        Invoke-Native make @('-C', $Reference.Dir)
    }
    else { Write-Host 'publish: perf/reference/Makefile not present; C reference not built' -ForegroundColor Yellow }
}

# The one version (Directory.Build.props' <Version>), and its parts.
function Get-XdpAotVersion {
    $props = Join-Path $Root 'Directory.Build.props'
    $node = ([xml](Get-Content -Raw -LiteralPath $props)).SelectSingleNode('/Project/PropertyGroup/Version')
    if ($null -eq $node -or $node.InnerText -notmatch '^(\d+)\.(\d+)\.(\d+)$') { throw "$($props): no <Version>MAJOR.MINOR.PATCH</Version>" }
    [pscustomobject]@{ Text = $node.InnerText; Major = $Matches[1]; Minor = $Matches[2]; Patch = $Matches[3] }
}

# libxdpaot.so.MAJOR.MINOR.PATCH into $Dir, with the links the loader (libxdpaot.so.MAJOR, the SONAME) and the
# linker (libxdpaot.so) look for. Older versions' files go first, so a stale library is never picked up.
function Install-SharedLibrary([string]$From, [string]$Dir, $Version) {
    if (-not (Test-Path $Dir)) { [void](New-Item -ItemType Directory -Path $Dir) }
    Get-ChildItem -LiteralPath $Dir -Filter 'libxdpaot.so*' -Force | Remove-Item -Force
    $file = "libxdpaot.so.$($Version.Major).$($Version.Minor).$($Version.Patch)"
    $soname = "libxdpaot.so.$($Version.Major)"
    Copy-Item -LiteralPath $From -Destination (Join-Path $Dir $file)
    Invoke-Native chmod @('0644', (Join-Path $Dir $file)) -Quiet   # a library is not run: no x bit (Debian policy 8.1)
    Invoke-Native ln @('-s', $file, (Join-Path $Dir $soname)) -Quiet
    Invoke-Native ln @('-s', $soname, (Join-Path $Dir 'libxdpaot.so')) -Quiet
}

function Copy-Artifact([string]$From, [string]$To) {
    $dir = Split-Path -Parent $To
    if (-not (Test-Path $dir)) { [void](New-Item -ItemType Directory -Path $dir) }
    Copy-Item -LiteralPath $From -Destination $To -Force
}

function Invoke-TestTask([string[]]$PassArgs) {
    Use-Task 'build'
    Use-Task 'publish'
    Use-Task 'package'   # tests/XdpAot.Tests/Packaging installs the packages into a scratch root
    Assert-Prereqs ($Needs.Net + $Needs.Guest)
    if (-not (Test-Root)) { Write-Host 'test: not root; integration tests need root (network namespaces, XDP)' -ForegroundColor Yellow }
    $trx = Join-Path $Out.Results 'results.trx'
    if (Test-Path $trx) { Remove-Item -Force $trx }
    $code = Invoke-Native dotnet (@('test', $Projects.Tests, '-c', $Config,
            '--logger', 'trx;LogFileName=results.trx', '--results-directory', $Out.Results) + $PassArgs) -NoThrow
    if (-not (Test-Path $trx)) { throw "test: dotnet test exited with $code and wrote no $trx" }
    $s = Get-TrxSummary $trx
    if ($code -ne 0 -and $s.Failed -eq 0) { Write-Host "test: dotnet test exited with $code (run outcome: $($s.Outcome))" -ForegroundColor Red }
    if ($s.Total -eq 0) { Write-Host 'test: no tests ran' -ForegroundColor Red }
    $script:SummaryPrinted = $true
    Write-Host (Format-TestSummary $s)   # must stay the last line of output
    if ($code -ne 0 -or $s.Failed -gt 0 -or $s.Total -eq 0) { $script:ExitCode = 1 }
}

# Counts from a TRX file. Per-test outcomes are the source (xunit's skipped tests are
# UnitTestResult outcome="NotExecuted" but are not counted in Counters/@notExecuted); the
# Counters element is the fallback and a cross-check for failures recorded only there.
function Get-TrxSummary([string]$Path) {
    $xml = [xml](Get-Content -Raw -LiteralPath $Path)
    $results = @($xml.SelectNodes("//*[local-name()='Results']/*[local-name()='UnitTestResult']"))
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($r in $results) {
        switch ($r.GetAttribute('outcome')) {
            { $_ -in 'Passed', 'PassedButRunAborted' } { $passed++; break }
            { $_ -in 'Failed', 'Error', 'Timeout', 'Aborted' } { $failed++; break }
            default { $skipped++ }   # NotExecuted (skipped), Inconclusive, NotRunnable, Pending, ...
        }
    }
    $summary = $xml.SelectSingleNode("//*[local-name()='ResultSummary']")
    $counters = $xml.SelectSingleNode("//*[local-name()='ResultSummary']/*[local-name()='Counters']")
    $c = { param($name) if ($null -ne $counters -and $counters.HasAttribute($name)) { [int]$counters.GetAttribute($name) } else { 0 } }
    if ($results.Count -eq 0 -and $null -ne $counters) {
        $passed = (& $c 'passed') + (& $c 'passedButRunAborted')
        $failed = (& $c 'failed') + (& $c 'error') + (& $c 'timeout') + (& $c 'aborted')
        $skipped = [Math]::Max((& $c 'notExecuted') + (& $c 'inconclusive') + (& $c 'notRunnable'), (& $c 'total') - (& $c 'executed'))
    }
    else {
        $failed = [Math]::Max($failed, (& $c 'failed') + (& $c 'error') + (& $c 'timeout') + (& $c 'aborted'))
    }
    [pscustomobject]@{
        Total   = $passed + $failed + $skipped
        Passed  = $passed
        Failed  = $failed
        Skipped = $skipped
        Outcome = if ($null -ne $summary) { $summary.GetAttribute('outcome') } else { '' }
    }
}

function Format-TestSummary($s) {
    $line = "$($s.Passed) passed, $($s.Failed) failed"
    if ($s.Skipped -gt 0) { $line += ", $($s.Skipped) skipped" }
    $line
}

# ---------------------------------------------------------------------------------------------
# package: the Debian way, three binary packages, so that a VMM's package depends on the library alone
# (libxdpaotX: the .so.X and nothing else; an ABI break becomes libxdpaotX+1, installable beside it), builds
# against libxdpaot-dev, and an operator installs xdpaot (executable, man page, unit) without either.
# ---------------------------------------------------------------------------------------------

function Invoke-PackageTask {
    Use-Task 'publish'
    Assert-Prereqs $Needs.Package
    $v = Get-XdpAotVersion
    $log = Get-ChangelogEntry (Join-Path $Packaging.Inputs 'changelog')
    if ($log.Version -ne $v.Text) {
        throw "package: the newest entry of src/XdpAot.Packaging/changelog is $($log.Version), the version is $($v.Text) (Directory.Build.props): add an entry for $($v.Text)"
    }
    $lib = "libxdpaot$($v.Major)"
    $debian = Join-Path $Packaging.Stage 'debian'
    if (Test-Path $Packaging.Stage) { Remove-Item -Recurse -Force $Packaging.Stage }
    [void](New-Item -ItemType Directory -Path $debian)
    # dpkg-shlibdeps reads debian/control from its working directory; the source stanza is all it needs.
    Set-Content -LiteralPath (Join-Path $debian 'control') -Value "Source: xdpaot`n`nPackage: $lib`nArchitecture: $($Packaging.Arch)`n"
    Get-ChildItem -LiteralPath $Artifacts -Filter '*.deb' | Where-Object { $_.Name -match '^(libxdpaot\d+|libxdpaot-dev|xdpaot)_' } | Remove-Item -Force

    $libDir = "usr/lib/$($Packaging.Multiarch)"
    $in = $Packaging.Inputs
    $trees = [ordered]@{}

    $t = $trees[$lib] = Join-Path $debian $lib
    Install-SharedLibrary (Join-Path $Out.Publish 'XdpAot.Native/libxdpaot.so') (Join-Path $t $libDir) $v
    Remove-Item -Force (Join-Path $t "$libDir/libxdpaot.so")   # the link-time name belongs to -dev
    Add-Control $t 'symbols' (Get-SymbolsFile $lib $v)
    Add-Control $t 'shlibs' "libxdpaot $($v.Major) $lib (>= $($v.Major).$($v.Minor).0)`n"
    Add-Control $t 'triggers' (Get-Content -Raw (Join-Path $in 'libxdpaot.triggers'))

    $t = $trees['libxdpaot-dev'] = Join-Path $debian 'libxdpaot-dev'
    Add-File $t 'usr/include/xdpaot.h' $Out.Header
    Add-Text $t "$libDir/pkgconfig/xdpaot.pc" ((Get-Content -Raw (Join-Path $in 'xdpaot.pc.in')).Replace('@VERSION@', $v.Text).Replace('@MULTIARCH@', $Packaging.Multiarch))
    Invoke-Native ln @('-s', "libxdpaot.so.$($v.Major)", (Join-Path $t "$libDir/libxdpaot.so")) -Quiet

    $t = $trees['xdpaot'] = Join-Path $debian 'xdpaot'
    Add-File $t 'usr/bin/xdpaot' $Out.Exe -Executable
    Add-Text $t 'usr/share/man/man1/xdpaot.1' (Invoke-Native $Out.Exe @('help', '--man') -Capture -Quiet)
    Invoke-Native gzip @('-9n', (Join-Path $t 'usr/share/man/man1/xdpaot.1')) -Quiet
    Add-File $t "$(Get-SystemdUnitDir)/xdpaot-vhost@.service" (Join-Path $in 'xdpaot-vhost@.service')
    Add-File $t 'usr/share/doc/xdpaot/examples/vhost.conf' (Join-Path $in 'vhost.conf')
    New-PackageDir (Join-Path $t 'etc/xdpaot')   # where the instances' NAME.conf go (the package ships none)

    # The compilers' version notes are of no use at run time (what dh_strip removes too).
    foreach ($elf in (Join-Path $trees[$lib] "$libDir/libxdpaot.so.$($v.Major).$($v.Minor).$($v.Patch)"), (Join-Path $t 'usr/bin/xdpaot')) {
        Invoke-Native objcopy @('--remove-section=.comment', $elf) -Quiet
    }

    $debs = @()
    foreach ($name in $trees.Keys) {
        $t = $trees[$name]
        Add-File $t "usr/share/doc/$name/copyright" (Join-Path $in 'copyright')
        Add-File $t "usr/share/doc/$name/changelog" (Join-Path $in 'changelog')
        Invoke-Native gzip @('-9n', (Join-Path $t "usr/share/doc/$name/changelog")) -Quiet
        Add-Control $t 'control' (Get-ControlStanza $name $v $log.Maintainer $t)
        Add-Control $t 'md5sums' (Get-Md5Sums $t)
        $deb = Join-Path $Artifacts "$($name)_$($v.Text)_$($Packaging.Arch).deb"
        Invoke-Native dpkg-deb @('--root-owner-group', '--build', $t, $deb) -Quiet
        $debs += $deb
    }
    Write-Host "package: $($debs -join ', ')"

    # lintian's verdict is part of the build: an error fails it (warnings and notes are printed).
    $code = Invoke-Native lintian (@('--fail-on', 'error', '--display-info') + $debs) -NoThrow
    if ($code -ne 0) { throw "package: lintian reports errors (exit code $code)" }
    Write-Host 'package: lintian: no errors'
}

# The newest entry of a Debian changelog: its version and the maintainer who signed it.
function Get-ChangelogEntry([string]$Path) {
    $text = Get-Content -Raw -LiteralPath $Path
    if ($text -notmatch '^\S+ \(([^)]+)\)') { throw "package: $($Path): the first line is not 'xdpaot (VERSION) ...'" }
    $version = $Matches[1]
    if ($text -notmatch '(?m)^ -- (.+?)  ') { throw "package: $($Path): no ' -- NAME <EMAIL>  DATE' line" }
    [pscustomobject]@{ Version = $version; Maintainer = $Matches[1] }
}

# The package's stanza of control.in with the placeholders filled in, plus Version, Maintainer and Installed-Size.
function Get-ControlStanza([string]$Name, $Version, [string]$Maintainer, [string]$Tree) {
    $lines = @(Get-Content -LiteralPath (Join-Path $Packaging.Inputs 'control.in') | Where-Object { -not $_.StartsWith('#') })
    $stanzas = (($lines -join "`n").Trim() -split "`n\s*`n")
    $lib = "libxdpaot$($Version.Major)"
    $stanza = @($stanzas | Where-Object { $_.Replace('@MAJOR@', $Version.Major) -match "^Package: $([regex]::Escape($Name))`n" })
    if ($stanza.Count -ne 1) { throw "package: src/XdpAot.Packaging/control.in has $($stanza.Count) stanzas for $Name" }
    $text = $stanza[0].Replace('@MAJOR@', $Version.Major).Replace('@VERSION@', $Version.Text).Replace('@ARCH@', $Packaging.Arch)
    if ($text.Contains('@DEPENDS@')) { $text = $text.Replace('@DEPENDS@', (Get-ShlibDepends $Name $Tree)) }
    $kib = [long][Math]::Ceiling((@(Get-ChildItem -LiteralPath $Tree -Recurse -File | Where-Object { $_.FullName -cnotlike '*/DEBIAN/*' } |
        Measure-Object -Property Length -Sum).Sum) / 1024)
    $head, $rest = $text -split "`n", 2
    "$head`nVersion: $($Version.Text)`nMaintainer: $Maintainer`nInstalled-Size: $kib`n$rest`n"
}

# What the package's ELF files need, as dpkg-shlibdeps computes it from the libraries' symbols files.
function Get-ShlibDepends([string]$Name, [string]$Tree) {
    $elves = @(Get-ChildItem -LiteralPath $Tree -Recurse -File | Where-Object { $_.FullName -cnotlike '*/DEBIAN/*' -and -not $_.LinkType -and (Test-Elf $_.FullName) } | ForEach-Object { $_.FullName })
    if ($elves.Count -eq 0) { throw "package: $Name has @DEPENDS@ but no ELF file" }
    Push-Location $Packaging.Stage
    try { $out = Invoke-Native dpkg-shlibdeps (@('-O') + $elves) -Capture -Quiet }
    finally { Pop-Location }
    if ($out -notmatch 'shlibs:Depends=(.+)') { throw "package: dpkg-shlibdeps printed no dependencies for $($Name): $out" }
    $Matches[1].Trim()
}

function Test-Elf([string]$Path) {
    $fs = [IO.File]::OpenRead($Path)
    try { $b = [byte[]]::new(4); $n = $fs.Read($b, 0, 4) } finally { $fs.Dispose() }
    $n -eq 4 -and $b[0] -eq 0x7f -and $b[1] -eq 0x45 -and $b[2] -eq 0x4c -and $b[3] -eq 0x46
}

# src/XdpAot.Native/libxdpaot.symbols (the exports and the version each appeared in) as DEBIAN/symbols.
function Get-SymbolsFile([string]$Lib, $Version) {
    $text = Get-Content -Raw -LiteralPath $Packaging.Symbols
    $expected = "libxdpaot.so.$($Version.Major) $Lib #MINVER#"
    if (-not $text.StartsWith($expected + "`n")) { throw "package: $($Packaging.Symbols) must start with '$expected' (the SONAME and its package)" }
    $text
}

function Get-Md5Sums([string]$Tree) {
    $prefix = $Tree.TrimEnd('/') + '/'
    $lines = Get-ChildItem -LiteralPath $Tree -Recurse -File | Where-Object { $_.FullName -cnotlike '*/DEBIAN/*' -and -not $_.LinkType } |
        Sort-Object FullName | ForEach-Object { "$((Get-FileHash -Algorithm MD5 -LiteralPath $_.FullName).Hash.ToLowerInvariant())  $($_.FullName.Substring($prefix.Length))" }
    ($lines -join "`n") + "`n"
}

# Where systemd on this distribution keeps packaged units (Debian 12: /lib/systemd/system), without the leading /.
function Get-SystemdUnitDir {
    $dir = (Invoke-Native pkg-config @('--variable=systemdsystemunitdir', 'systemd') -Capture -NoThrow -Quiet)
    if ($null -eq $dir -or -not $dir.Trim().StartsWith('/')) { $dir = '/lib/systemd/system' }
    $dir.Trim().TrimStart('/')
}

# A file of the package (0644, or 0755 with -Executable), its directories 0755.
function Add-File([string]$Tree, [string]$RelPath, [string]$From, [switch]$Executable) {
    $to = Join-Path $Tree $RelPath
    New-PackageDir (Split-Path -Parent $to)
    Copy-Item -LiteralPath $From -Destination $to
    Invoke-Native chmod @($(if ($Executable) { '0755' } else { '0644' }), $to) -Quiet
}

function Add-Text([string]$Tree, [string]$RelPath, [string]$Text) {
    $to = Join-Path $Tree $RelPath
    New-PackageDir (Split-Path -Parent $to)
    [IO.File]::WriteAllText($to, $Text)
    Invoke-Native chmod @('0644', $to) -Quiet
}

function Add-Control([string]$Tree, [string]$Name, [string]$Text) { Add-Text $Tree "DEBIAN/$Name" $Text }

function New-PackageDir([string]$Dir) {
    if (-not (Test-Path $Dir)) { [void](New-Item -ItemType Directory -Path $Dir) }
    Invoke-Native chmod @('0755', $Dir) -Quiet
}

function Invoke-DemoTask([string[]]$PassArgs) {
    Use-Task 'publish'
    Assert-Prereqs $Needs.Net
    if (-not (Test-Root)) { Write-Host 'demo: not root; the demo needs root (network namespaces, XDP)' -ForegroundColor Yellow }
    Invoke-Native $Out.Exe (@('demo') + $PassArgs)
}

function Invoke-BenchTask([string[]]$PassArgs) {
    Use-Task 'publish'
    Assert-Prereqs ($Needs.Net + $Needs.Gate + $Needs.Chart)
    if (-not (Test-Path $BenchScript)) { throw "bench: $BenchScript does not exist" }
    if (-not (Test-Path $Reference.Exe)) { throw "bench: C reference $($Reference.Exe) missing (perf/reference/Makefile builds it)" }
    Invoke-PwshScript $BenchScript (@('-XdpAot', $Out.Exe, '-Reference', $Reference.Exe) + $PassArgs)
    if (Test-Path $GateScript) { Invoke-PwshScript $GateScript }
    else { Write-Host 'bench: perf/gate/gate.ps1 not present yet; instruction-count gate skipped' -ForegroundColor Yellow }
}

function Invoke-BenchMicroTask([string[]]$PassArgs) {
    Assert-Prereqs $Needs.Build
    if (-not (Test-Path $Projects.Benchmarks)) { throw "bench-micro: $($Projects.Benchmarks) does not exist" }
    $filter = if ($PassArgs -contains '--filter' -or $PassArgs -contains '-f') { @() } else { @('--filter', '*') }
    Invoke-Native dotnet (@('run', '-c', $Config, '--project', $Projects.Benchmarks, '--') + $filter + $PassArgs)
}

function Invoke-BenchBaselineTask([string[]]$PassArgs) {
    if (-not (Test-Path $GateScript)) {
        [Console]::Error.WriteLine('bench-baseline: perf/gate/gate.ps1 not present yet; no baseline updated')
        $script:ExitCode = 1
        return
    }
    Use-Task 'publish'
    Assert-Prereqs $Needs.Gate
    Invoke-PwshScript $GateScript (@('-UpdateBaseline') + $PassArgs)
}

# ---------------------------------------------------------------------------------------------
# Main (skipped when dot-sourced).
# ---------------------------------------------------------------------------------------------

if ($MyInvocation.InvocationName -eq '.') { return }

$Task = if ($ScriptArgs.Count -gt 0) { [string]$ScriptArgs[0] } else { '' }
$Pass = [string[]]@(if ($ScriptArgs.Count -gt 1) { $ScriptArgs[1..($ScriptArgs.Count - 1)] })
if ($Task -in '-h', '--help', '-?', '/?') { $Task = 'help' }
if (-not $TaskHelp.Contains($Task)) {
    if ($Task) { [Console]::Error.WriteLine("unknown task '$Task'") }
    Show-Usage -ToStderr
    exit 2
}
if ($Pass.Count -gt 0 -and $Task -notin $TakesArgs) {
    [Console]::Error.WriteLine("task '$Task' takes no arguments (got: $($Pass -join ' '))")
    exit 2
}

$SummaryPrinted = $false
Push-Location $Root
try {
    Use-Task $Task $Pass
}
catch {
    [Console]::Error.WriteLine("build.ps1: $($_.Exception.Message)")
    # CI reads the last line of `test`; keep it the summary line even when the run never got there.
    if ($Task -eq 'test' -and -not $SummaryPrinted) { Write-Host '0 passed, 0 failed' }
    $ExitCode = 1
}
finally {
    Pop-Location
}
exit $ExitCode
