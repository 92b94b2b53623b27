<#
.SYNOPSIS
    Measures requests/second of GET /runtime/go-pilot/promotion-readiness on loopback over a full evidence set.
.DESCRIPTION
    Copies the example evidence (examples/) into a temporary folder, re-stamps its two time-relative fields so the set is
    fresh, starts the readiness API with Start-CavraReadinessApi (promoted mode, every input configured, the settings
    file re-read on every request as in production), checks that the route reports "ready", then runs the benchmark
    project's load generator: a fixed number of requests from a fixed number of concurrent loops, every answer checked
    (200 and the same body). Stops the API and removes the folder afterwards. Loopback only; bounded in count.
.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench      # builds, then runs this among the other benchmarks
.EXAMPLE
    dotnet pwsh -NoProfile -File ./tools/Measure-ReadinessApi.ps1 -ModuleManifest ./out/Cavra.PowerShell/Cavra.PowerShell.psd1 `
        -RuntimePath ./tests/Cavra.StandInRuntime/bin/Release/net10.0/Cavra.StandInRuntime -BenchmarkProject ./tests/Cavra.Benchmarks -Requests 50000 -Concurrency 32
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $BenchmarkProject,
    [ValidateRange(100, 1000000)] [int] $Requests = 30000,
    [ValidateRange(1, 512)] [int] $Concurrency = 16,
    [string] $Route = '/runtime/go-pilot/promotion-readiness'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$examples = Join-Path $PSScriptRoot '../examples'
$work = Join-Path ([IO.Path]::GetTempPath()) "cavra-api-bench-$PID"
Import-Module (Join-Path $PSScriptRoot 'FreshEvidence.psm1')
$fresh = Copy-CavraFreshEvidence -Path $work
$package = $fresh.PackageDir; $drills = $fresh.DrillHistory; $schedule = $fresh.DrillSchedule

$settings = Join-Path $work 'api-settings.json'
[ordered]@{
    mode = 'promoted'; runtime_path = (Resolve-Path $RuntimePath).Path; policy_path = (Resolve-Path (Join-Path $examples 'policy/compiled_policy.json')).Path
    registry_path = (Resolve-Path (Join-Path $examples 'policy/mcp_registry.json')).Path; package_dir = $package
    promotion_evidence_path = (Join-Path $work 'cavra-runtime.go-backend-promotion-evidence.json')
    rollback_plan_path = (Join-Path $work 'cavra-runtime.go-backend-rollback-plan.json')
    rollback_rehearsal_path = (Join-Path $work 'cavra-runtime.go-backend-rollback-rehearsal.json')
    rollback_drill_history_path = $drills
    rollback_drill_schedule_path = $schedule
} | ConvertTo-Json | Set-Content -Path $settings

$api = Start-CavraReadinessApi -Port 0 -SettingsPath $settings
try {
    $url = $api.Uri.AbsoluteUri.TrimEnd('/') + $Route
    $status = (Invoke-RestMethod $url).status
    if ($status -ne 'ready') { throw "The benchmark evidence set is not ready ($Route reports '$status'); the figure would not be for a full evidence set." }
    Write-Host "Evidence: 9 files, promoted mode, $Route reports 'ready'; API process $($api.ProcessId), $([Environment]::ProcessorCount) cores shared with the load generator"
    & dotnet run --project $BenchmarkProject -c Release -- --api $url --requests $Requests --concurrency $Concurrency --server-pid $api.ProcessId
    if ($LASTEXITCODE -ne 0) { throw "The load generator reported failed or differing responses (exit code $LASTEXITCODE)." }
}
finally {
    $api | Stop-CavraReadinessApi
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
