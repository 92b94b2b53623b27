<#
.SYNOPSIS
    Shadowing at fleet volume (docs/design/runtime-protocol.md §3): the pilot over the daemon against the runtime's own
    floor, every figure a ratio measured in the same run.
.DESCRIPTION
    N piped execute_command actions, one policy, over one session daemon (Start-CavraGoRuntimeDaemon), in rounds that
    alternate the contenders so a busy machine disturbs them alike; each figure is the median of the rounds:
      - disabled: the PowerShell pipeline and the built-in engine alone;
      - the floor: the benchmark project's bare client (RuntimeFloor.cs) sending the same request bytes straight to the
        daemon's socket with the same number in flight (each of -CompareLimits);
      - shadow over the daemon at each of those -ThrottleLimit values, as a ratio to the floor with the same number in
        flight (target 1.25x at 4), and the process CPU time of the pipeline (the pwsh process) per action;
      - CPU per action of the client (our pwsh, or the bare client) and of the daemon, for every daemon row, and the
        least wall time that CPU allows on this many cores (no client design gets below it);
      - enforce and promoted over the daemon (promoted over a fresh, complete evidence set whose gate passes), as a
        ratio to shadow (target 1.1x);
      - shadow one-shot for fewer actions against a bare loop starting the runtime with the same arguments (target 1.15x);
      - module start: pwsh -NoProfile -Command "Import-Module <psd1>; Test-CavraGoPromotion -Quiet" against
        pwsh -NoProfile -Command exit, median of alternating runs (target 1.15x);
      - working set over a long shadow pipeline over a pipeline-owned daemon, in its own pwsh: start, peak, end, growth;
      - how many actions went one-shot because the daemon contract cannot carry them (none of the execute_command run;
        a mixed run shows the -Verbose count and reasons).
    Every daemon figure is at steady state: shadow pipelines are repeated until the tiered JIT has settled (two in a
    row within 5%); the first pipeline after import is printed apart. Prints the core count and the load average with
    the figures. The machine's other load is not controlled: read the ratios, not the milliseconds.
.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench      # builds, then runs this among the other benchmarks
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $FloorClient,
    [string] $RuntimeLabel = 'stand-in runtime',
    [ValidateRange(100, 1000000)] [int] $Count = 10000,
    [ValidateRange(1, 51)] [int] $Rounds = 9,
    [ValidateRange(1, 64)] [int] $ThrottleLimit = 4,
    # Every -ThrottleLimit compared with the floor at the same number in flight (the default's choice rests on this).
    [ValidateRange(1, 64)] [int[]] $CompareLimits = @(1, 2, 4, 8),
    [ValidateRange(0, 10000)] [int] $OneShotCount = 200,
    [ValidateRange(0, 101)] [int] $StartRuns = 11,
    [ValidateRange(0, 10000000)] [int] $MemoryCount = 100000,
    [ValidateSet('Daemon', 'OneShot', 'Start', 'Memory')] [string[]] $Section = @('Daemon', 'OneShot', 'Start', 'Memory')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ModuleManifest = (Resolve-Path $ModuleManifest).Path
Import-Module $ModuleManifest
$ModuleManifest = (Resolve-Path $ModuleManifest).Path
$RuntimePath = (Resolve-Path $RuntimePath).Path
$FloorClient = (Resolve-Path $FloorClient).Path
$examples = Join-Path $PSScriptRoot '../examples'

function Get-Load { if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { 'n/a' } }
function Get-Median([double[]] $Values) { $s = $Values | Sort-Object; if ($s.Count % 2) { $s[[int][Math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
function Format-Ratio([double] $Ratio, [double] $Target) { '{0:N2}x (target {1:N2}x{2})' -f $Ratio, $Target, $(if ($Ratio -le $Target) { ', met' } else { ', NOT met' }) }

# A fresh, complete evidence set (the examples, re-stamped relative to now) so promoted mode's gate passes.
$work = Join-Path ([IO.Path]::GetTempPath()) "cavra-shadow-bench-$PID"
Import-Module (Join-Path $PSScriptRoot 'FreshEvidence.psm1')
$fresh = Copy-CavraFreshEvidence -Path $work
$package = $fresh.PackageDir; $drills = $fresh.DrillHistory; $schedule = $fresh.DrillSchedule
$policy = (Resolve-Path (Join-Path $examples 'policy/compiled_policy.json')).Path
$registry = (Resolve-Path (Join-Path $examples 'policy/mcp_registry.json')).Path
$settings = Join-Path $work 'settings.json'
[ordered]@{
    mode = 'shadow'; runtime_path = $RuntimePath; policy_path = $policy; registry_path = $registry; package_dir = $package
    promotion_evidence_path = (Join-Path $work 'cavra-runtime.go-backend-promotion-evidence.json')
    rollback_plan_path = (Join-Path $work 'cavra-runtime.go-backend-rollback-plan.json')
    rollback_rehearsal_path = (Join-Path $work 'cavra-runtime.go-backend-rollback-rehearsal.json')
    rollback_drill_history_path = $drills
    rollback_drill_schedule_path = $schedule
} | ConvertTo-Json | Set-Content -Path $settings
if (-not (Test-CavraGoPromotion -SettingsPath $settings -Mode Promoted -Quiet)) { throw 'The benchmark evidence set does not pass the promoted gate; promoted figures would measure the fallback.' }

$actions = 1..$Count | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } }

$self = [Diagnostics.Process]::GetCurrentProcess()
$cpu = @{} # label -> CPU milliseconds of this process (the pipeline, its engine and its socket calls), one per round
$daemonCpu = @{} # label -> CPU milliseconds of the daemon process in the same run
$daemonProcess = $null
function Add-Sample([hashtable] $Table, [string] $Label, $Value) {
    # One sample per round for a labelled run; nothing when the run is unlabelled or the value could not be read.
    if ($Label -and $null -ne $Value) { $Table[$Label] = @(@($Table[$Label]) + $Value | Where-Object { $null -ne $_ }) }
}
function Get-DaemonCpuSince($Before) { $now = Get-DaemonCpu; if ($null -ne $Before -and $null -ne $now) { $now - $Before } }
function Get-DaemonCpu {
    if (-not $script:daemonProcess) { return $null }
    try { $script:daemonProcess.Refresh(); $script:daemonProcess.TotalProcessorTime.TotalMilliseconds } catch { $null } # gone: not counted
}
function Measure-Pipeline([object[]] $Actions, [hashtable] $Options, [string] $Label = '') {
    [GC]::Collect()
    $self.Refresh(); $cpu0 = $self.TotalProcessorTime.TotalMilliseconds; $d0 = Get-DaemonCpu
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $null = $Actions | Invoke-CavraGoPilotEvaluate -SettingsPath $settings @Options -ProgressAction SilentlyContinue
    $wall = $sw.Elapsed.TotalMilliseconds
    $self.Refresh()
    Add-Sample $script:cpu $Label ($self.TotalProcessorTime.TotalMilliseconds - $cpu0)
    Add-Sample $script:daemonCpu $Label (Get-DaemonCpuSince $d0)
    $wall
}

function Measure-Floor([string[]] $Arguments, [string] $Label = '') {
    $d0 = Get-DaemonCpu
    $text = & dotnet $FloorClient @Arguments
    if ($LASTEXITCODE -ne 0 -or "$text" -notmatch '^([0-9.]+) ms') { throw "The floor client failed: $text" }
    $wall = [double] $Matches[1]
    Add-Sample $script:cpu $Label $(if ("$text" -match ' ([0-9.]+) ms cpu') { [double] $Matches[1] })
    # The daemon's CPU over the whole client run (its warm-up included): an upper bound of what one request costs it.
    Add-Sample $script:daemonCpu $Label (Get-DaemonCpuSince $d0)
    $wall
}

if ('Daemon' -in $Section) {
$daemon = Start-CavraGoRuntimeDaemon -SettingsPath $settings
try {
    $socket = $daemon.SocketPath
    $daemonProcess = Get-Process -Id $daemon.ProcessId
    $shadow = @{ Mode = 'Shadow'; Transport = 'Daemon' }
    # Correctness before speed: every action answered over the daemon, in parity, no fallback.
    $firstUse = [Diagnostics.Stopwatch]::StartNew()
    $check = $actions | Invoke-CavraGoPilotEvaluate -SettingsPath $settings @shadow -ThrottleLimit $ThrottleLimit -ProgressAction SilentlyContinue
    $firstUse = $firstUse.Elapsed.TotalMilliseconds # records kept, so a little slower than the timed runs, which drop them
    $viaDaemon = @($check | Where-Object { $_.GoTransport -eq 'daemon' -and $_.ParityMatch -and -not $_.FallbackUsed }).Count
    $oneShotRouted = @($check | Where-Object GoTransport -EQ 'one-shot').Count
    if ($viaDaemon -ne $Count) { throw "Only $viaDaemon of $Count actions were answered over the daemon in parity." }
    $check = $null
    # Warm-up to steady state, not first use: .NET's tiered JIT goes on recompiling PowerShell's and our hot paths
    # (tier 0, instrumented, tier 1) for several pipelines after the first, on a background thread that competes for
    # the same cores (about five pipelines of 10,000 here). At least six shadow pipelines run, then more until two in
    # a row are within 5% of each other (at most 12); then each other mode runs twice. The first pipeline (the
    # correctness check above) is reported apart: that is what a short-lived shell pays.
    $warm = @()
    do { $warm += Measure-Pipeline $actions ($shadow + @{ ThrottleLimit = $ThrottleLimit }) }
    while ($warm.Count -lt 6 -or ($warm.Count -lt 12 -and [Math]::Abs($warm[-1] - $warm[-2]) -gt 0.05 * $warm[-2]))
    foreach ($m in 'Disabled', 'Enforce', 'Promoted') { foreach ($i in 1, 2) { $null = Measure-Pipeline $actions @{ Mode = $m; Transport = 'Daemon' } } }
    $null = Measure-Floor @('--daemon-floor', $socket, '--count', 1000, '--in-flight', $ThrottleLimit)

    $limits = @($CompareLimits + $ThrottleLimit) | Sort-Object -Unique
    $t = [ordered]@{ disabled = @() ; enforce = @(); promoted = @() }
    foreach ($k in $limits) { $t["floor$k"] = @(); $t["shadow$k"] = @() }
    for ($r = 0; $r -lt $Rounds; $r++) {
        # Alternate which goes first in each pair, so a slow stretch of the machine falls on both alike.
        foreach ($k in $limits) {
            $pair = @({ $t["floor$k"] += Measure-Floor @('--daemon-floor', $socket, '--count', $Count, '--in-flight', $k) "floor$k" },
                { $t["shadow$k"] += Measure-Pipeline $actions ($shadow + @{ ThrottleLimit = $k }) "shadow$k" })
            if ($r % 2) { [array]::Reverse($pair) }
            foreach ($step in $pair) { . $step }
        }
        $t.disabled += Measure-Pipeline $actions @{ Mode = 'Disabled' } 'disabled'
        $t.enforce += Measure-Pipeline $actions @{ Mode = 'Enforce'; Transport = 'Daemon'; ThrottleLimit = $ThrottleLimit } 'enforce'
        $t.promoted += Measure-Pipeline $actions @{ Mode = 'Promoted'; Transport = 'Daemon'; ThrottleLimit = $ThrottleLimit } 'promoted'
    }
    $m = [ordered]@{}
    foreach ($key in $t.Keys) { $m[$key] = Get-Median $t[$key] }

    "Shadowing at volume: $Count piped execute_command actions, one policy, $RuntimeLabel over a session daemon,"
    "median of $Rounds alternating rounds, $([Environment]::ProcessorCount) cores, load average $(Get-Load) at the end of the rounds"
    "Warm-up: $($warm.Count) shadow pipelines until two in a row were within 5% ($(($warm | ForEach-Object { '{0:N0}' -f $_ }) -join ', ') ms); the first pipeline after import (keeping its records) took $('{0:N0}' -f $firstUse) ms"
    "CPU per action: the client's process (our pwsh, or the bare client), then the daemon's"
    $us = { param($label) '{0,5:N1} + {1,4:N1} us CPU/action' -f ((Get-Median $cpu[$label]) * 1000 / $Count), ((Get-Median $daemonCpu[$label]) * 1000 / $Count) }
    '  {0,-44} {1,9:N0} ms   {2}' -f 'disabled (pipeline and built-in engine)', $m.disabled, (& $us 'disabled')
    foreach ($k in $limits) {
        '  {0,-44} {1,9:N0} ms   {2}' -f "floor: bare client, $k in flight", $m["floor$k"], (& $us "floor$k")
        '  {0,-44} {1,9:N0} ms   {2}   ours/floor {3}' -f "shadow over the daemon, -ThrottleLimit $k", $m["shadow$k"], (& $us "shadow$k"), (Format-Ratio ($m["shadow$k"] / $m["floor$k"]) 1.25)
        # Wall time cannot fall below the CPU it takes spread over every core: however a client spreads its work over
        # threads, shadowing cannot beat (our CPU + the daemon's) / cores against the floor's wall time on this machine.
        $bound = ((Get-Median $cpu["shadow$k"]) + (Get-Median $daemonCpu["shadow$k"])) / [Environment]::ProcessorCount
        '  {0,-44} {1,9:N0} ms   {2:N2}x the floor: the best any client design could do with this CPU per action on {3} cores' -f "  (our CPU + the daemon's) / cores", $bound, ($bound / $m["floor$k"]), [Environment]::ProcessorCount
    }
    '  {0,-44} {1,9:N0} ms   {2}   /shadow {3}' -f "enforce over the daemon, -ThrottleLimit $ThrottleLimit", $m.enforce, (& $us 'enforce'), (Format-Ratio ($m.enforce / $m["shadow$ThrottleLimit"]) 1.1)
    '  {0,-44} {1,9:N0} ms   {2}   /shadow {3}' -f "promoted over the daemon, -ThrottleLimit $ThrottleLimit", $m.promoted, (& $us 'promoted'), (Format-Ratio ($m.promoted / $m["shadow$ThrottleLimit"]) 1.1)
    "  actions that went one-shot (the daemon contract cannot carry them): $oneShotRouted of $Count"
}
finally { $daemon | Stop-CavraGoRuntimeDaemon; $daemonProcess = $null }

# A mixed stream: every 50th action an MCP call, which the daemon contract cannot carry; -Verbose counts them and says why.
$mixed = 1..1000 | ForEach-Object {
    if ($_ % 50) { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } }
    else { [pscustomobject]@{ action_type = 'mcp_tool_call'; target = 'github'; server = 'github'; tool = 'create_issue'; capability = 'write' } }
}
$verbose = $mixed | Invoke-CavraGoPilotEvaluate -SettingsPath $settings -Mode Shadow -Transport Daemon -Verbose -ProgressAction SilentlyContinue 4>&1 |
    Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'went one-shot' }
"  mixed stream of 1,000 (every 50th an mcp_tool_call), -Verbose says: $(($verbose | ForEach-Object Message) -join ' | ')"
}

if ($OneShotCount -gt 0 -and 'OneShot' -in $Section) {
    $few = $actions | Select-Object -First $OneShotCount
    $null = Measure-Pipeline ($few | Select-Object -First 20) @{ Mode = 'Shadow'; Transport = 'OneShot' }
    $ours = @(); $bare = @()
    for ($r = 0; $r -lt $Rounds; $r++) {
        $pair = @({ $script:bare += Measure-Floor @('--oneshot-floor', $RuntimePath, '--policy', $policy, '--registry', $registry, '--count', $OneShotCount) },
            { $script:ours += Measure-Pipeline $few @{ Mode = 'Shadow'; Transport = 'OneShot' } })
        if ($r % 2) { [array]::Reverse($pair) }
        foreach ($step in $pair) { . $step }
    }
    $o = Get-Median $ours; $b = Get-Median $bare
    "One-shot: $OneShotCount actions, median of $Rounds alternating rounds, load average $(Get-Load)"
    '  {0,-44} {1,9:N0} ms ({2:N2} ms an action)' -f 'bare loop starting the runtime', $b, ($b / $OneShotCount)
    '  {0,-44} {1,9:N0} ms ({2:N2} ms an action)   ours/bare {3}' -f 'shadow one-shot', $o, ($o / $OneShotCount), (Format-Ratio ($o / $b) 1.15)
}

if ($StartRuns -gt 0 -and 'Start' -in $Section) {
    # The same pwsh this script runs in, started directly (under `dotnet pwsh` that is dotnet with pwsh.dll).
    $exe = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $bareArgs = $prefix + @('-NoProfile', '-NonInteractive', '-Command', 'exit')
    $moduleArgs = $prefix + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; `$null = Test-CavraGoPromotion -Quiet")
    $time = { param($a) $sw = [Diagnostics.Stopwatch]::StartNew(); & $exe @a | Out-Null; $sw.Elapsed.TotalMilliseconds }
    $null = & $time $bareArgs; $null = & $time $moduleArgs # page cache
    $plain = @(); $module = @()
    for ($r = 0; $r -lt $StartRuns; $r++) {
        if ($r % 2) { $module += & $time $moduleArgs; $plain += & $time $bareArgs }
        else { $plain += & $time $bareArgs; $module += & $time $moduleArgs }
    }
    $p = Get-Median $plain; $q = Get-Median $module
    "Module start: median of $StartRuns alternating runs, load average $(Get-Load)"
    '  {0,-44} {1,9:N0} ms' -f 'pwsh -NoProfile -Command exit', $p
    '  {0,-44} {1,9:N0} ms   /exit {2}' -f 'Import-Module; Test-CavraGoPromotion -Quiet', $q, (Format-Ratio ($q / $p) 1.15)
}

if ($MemoryCount -gt 0 -and 'Memory' -in $Section) {
    # In its own pwsh, so nothing above is in its working set; input is generated as it streams, output discarded.
    $probe = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
`$gen = { param(`$n) 1..`$n | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check `$_" } } }
`$null = & `$gen 2000 | Invoke-CavraGoPilotEvaluate -SettingsPath '$settings' -Mode Shadow -Transport Daemon -ProgressAction SilentlyContinue
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$self = [Diagnostics.Process]::GetCurrentProcess()
`$heap0 = [GC]::GetTotalMemory(`$true); `$self.Refresh()
`$start = `$self.WorkingSet64; `$peak = `$start; `$i = 0; `$tenth = [Math]::Max(1, [int]($MemoryCount / 10)); `$series = @(); `$heaps = @()
`$sw = [Diagnostics.Stopwatch]::StartNew()
& `$gen $MemoryCount | Invoke-CavraGoPilotEvaluate -SettingsPath '$settings' -Mode Shadow -Transport Daemon -ProgressAction SilentlyContinue |
    ForEach-Object {
        if ((++`$i % 2000) -eq 0) { `$self.Refresh(); if (`$self.WorkingSet64 -gt `$peak) { `$peak = `$self.WorkingSet64 } }
        # The working set first, then the managed heap after a full GC: the GC defers collecting old garbage, so the
        # working set alone can creep while nothing is retained.
        if ((`$i % `$tenth) -eq 0) { `$self.Refresh(); `$series += [Math]::Round(`$self.WorkingSet64 / 1MB); `$heaps += [Math]::Round([GC]::GetTotalMemory(`$true) / 1MB, 1) }
    }
`$seconds = `$sw.Elapsed.TotalSeconds
`$self.Refresh(); `$before = `$self.WorkingSet64; if (`$before -gt `$peak) { `$peak = `$before }
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect(); `$self.Refresh()
'{0} {1} {2} {3} {4} {5} {6} {7} {8} {9}' -f `$i, `$start, `$peak, `$before, `$self.WorkingSet64, `$seconds, (`$series -join ','), `$heap0, [GC]::GetTotalMemory(`$true), ((`$heaps | ForEach-Object { `$_.ToString([cultureinfo]::InvariantCulture) }) -join ',')
"@
    $exe = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $line = & $exe @($prefix + @('-NoProfile', '-NonInteractive', '-Command', $probe))
    $n, $start, $peak, $end, $collected, $seconds, $series, $heap0, $heap1, $heaps = "$line".Split(' ')
    $mb = { param($b) [double] $b / 1MB }
    "Working set over a $('{0:N0}' -f [int]$n)-action shadow pipeline over a pipeline-owned daemon ($('{0:N1}' -f [double]$seconds) s), load average $(Get-Load):"
    '  start {0:N1} MB, peak {1:N1} MB, end {2:N1} MB ({3:N1} MB after a full GC): growth {4:N1} MB, peak over start {5:N1} MB' -f `
        (& $mb $start), (& $mb $peak), (& $mb $end), (& $mb $collected), ((& $mb $end) - (& $mb $start)), ((& $mb $peak) - (& $mb $start))
    "  at each tenth of the actions (MB): $($series -replace ',', ' '); managed heap after a full GC $('{0:N1}' -f (& $mb $heap0)) MB before, $('{0:N1}' -f (& $mb $heap1)) MB after"
    "  managed heap after a full GC at each tenth, while the pipeline runs (MB): $($heaps -replace ',', ' ')"
}

Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
