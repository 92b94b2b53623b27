<#
.SYNOPSIS
    Prints the pilot's cost per action: N piped execute_command actions through Invoke-CavraGoPilotEvaluate in
    disabled, shadow and enforce modes, with the stand-in runtime as the Go candidate (one-shot: one process per action).
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $PolicyPath,
    [int] $Count = 1000
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$actions = 1..$Count | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } }
$null = $actions | Select-Object -First 5 | Invoke-CavraGoPilotEvaluate -Mode Shadow -RuntimePath $RuntimePath -PolicyPath $PolicyPath # warm-up
"Pilot overhead, $Count piped execute_command actions (stand-in runtime, one-shot transport):"
foreach ($mode in 'Disabled', 'Shadow', 'Enforce') {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $records = $actions | Invoke-CavraGoPilotEvaluate -Mode $mode -RuntimePath $RuntimePath -PolicyPath $PolicyPath -ProgressAction SilentlyContinue
    $sw.Stop()
    $fallbacks = @($records | Where-Object FallbackUsed).Count
    '  {0,-8} {1,9:N0} ms total  {2,8:N3} ms/action  ({3} records, {4} fallbacks)' -f $mode, $sw.Elapsed.TotalMilliseconds, ($sw.Elapsed.TotalMilliseconds / $Count), @($records).Count, $fallbacks
}
