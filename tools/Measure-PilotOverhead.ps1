<#
.SYNOPSIS
    Prints the pilot's cost per action, side by side in one run: N piped execute_command actions through
    Invoke-CavraGoPilotEvaluate in disabled mode (the floor), and in shadow and enforce mode over the one-shot and the
    daemon transports, with a stand-in cavra-runtime as the Go candidate.
.DESCRIPTION
    Wall time is the whole pipeline (binding, built-in decision, gate, runtime, output). p50/p99 are of each record's
    Duration: the pilot's own time for that action, from the built-in decision to parity (with requests in flight this
    includes waiting for a free slot). "daemon (pipeline)" starts its daemon on the first action and stops it at the end,
    both inside the timing; "daemon (session)" uses one started beforehand with Start-CavraGoRuntimeDaemon.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $PolicyPath,
    [int] $Count = 10000,
    [int] $OneShotCount = $Count,
    [int] $ThrottleLimit = 4,
    [string] $RuntimeLabel = 'stand-in runtime'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$actions = 1..$Count | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } }
$runtime = @{ RuntimePath = $RuntimePath; PolicyPath = $PolicyPath }

function Measure-Pipeline {
    param([string] $Label, [object[]] $Actions, [hashtable] $Options)
    [GC]::Collect()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $records = $Actions | Invoke-CavraGoPilotEvaluate @Options -ProgressAction SilentlyContinue
    $sw.Stop()
    $ms = [double[]]($records | ForEach-Object { $_.Duration.TotalMilliseconds }) | Sort-Object
    $at = { param($q) $ms[[Math]::Min($ms.Count - 1, [int][Math]::Ceiling($q * $ms.Count) - 1)] }
    $fallbacks = @($records | Where-Object FallbackUsed).Count
    '  {0,-26} {1,7} actions {2,9:N0} ms total {3,9:N3} ms/action   p50 {4,8:N3} ms   p99 {5,8:N3} ms   {6} fallbacks' -f `
        $Label, $records.Count, $sw.Elapsed.TotalMilliseconds, ($sw.Elapsed.TotalMilliseconds / $records.Count), (& $at 0.50), (& $at 0.99), $fallbacks
}

# Warm-up: JIT the cmdlet path for every mode and transport before anything is timed.
$warm = $actions | Select-Object -First ([Math]::Min(2000, $Count))
$null = $warm | Invoke-CavraGoPilotEvaluate -Mode Disabled @runtime -ProgressAction SilentlyContinue
$null = $warm | Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon @runtime -ProgressAction SilentlyContinue
$null = $warm | Select-Object -First 20 | Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport OneShot @runtime -ProgressAction SilentlyContinue

$load = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { 'n/a' }
"Pilot overhead, $Count piped execute_command actions, $RuntimeLabel, $([Environment]::ProcessorCount) cores, load average $load (-ThrottleLimit $ThrottleLimit):"
Measure-Pipeline 'disabled (floor)' $actions (@{ Mode = 'Disabled' } + $runtime)
Measure-Pipeline 'shadow, daemon (pipeline)' $actions (@{ Mode = 'Shadow'; Transport = 'Daemon'; ThrottleLimit = $ThrottleLimit } + $runtime)
$daemon = Start-CavraGoRuntimeDaemon @runtime
try {
    Measure-Pipeline 'shadow, daemon (session)' $actions (@{ Mode = 'Shadow'; Transport = 'Daemon'; ThrottleLimit = $ThrottleLimit } + $runtime)
    Measure-Pipeline 'enforce, daemon (session)' $actions (@{ Mode = 'Enforce'; Transport = 'Daemon'; ThrottleLimit = $ThrottleLimit } + $runtime)
}
finally { $daemon | Stop-CavraGoRuntimeDaemon }
Measure-Pipeline 'shadow, one-shot' ($actions | Select-Object -First $OneShotCount) (@{ Mode = 'Shadow'; Transport = 'OneShot' } + $runtime)
