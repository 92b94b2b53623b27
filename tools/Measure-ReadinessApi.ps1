<#
.SYNOPSIS
    Starts the readiness API over the example evidence (promoted mode, full set) and measures
    GET /runtime/go-pilot/promotion-readiness with the benchmark project's load generator, then stops the API.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $BenchmarkProject,
    [int] $Requests = 20000,
    [int] $Concurrency = 16
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$examples = Join-Path $PSScriptRoot '../examples'
$evidence = Join-Path $examples 'evidence'
$settings = Join-Path ([IO.Path]::GetTempPath()) "cavra-api-bench-$PID.json"
[ordered]@{
    mode = 'promoted'; runtime_path = $RuntimePath; policy_path = (Join-Path $examples 'policy/compiled_policy.json'); package_dir = $evidence
    promotion_evidence_path = (Join-Path $evidence 'cavra-runtime.go-backend-promotion-evidence.json')
    rollback_plan_path = (Join-Path $evidence 'cavra-runtime.go-backend-rollback-plan.json')
    rollback_rehearsal_path = (Join-Path $evidence 'cavra-runtime.go-backend-rollback-rehearsal.json')
    rollback_drill_history_path = (Join-Path $evidence 'cavra-runtime.go-backend-rollback-drills.json')
    rollback_drill_schedule_path = (Join-Path $evidence 'cavra-runtime.go-backend-rollback-drill-schedule.json')
} | ConvertTo-Json | Set-Content -Path $settings
$api = Start-CavraReadinessApi -Port (Get-Random -Minimum 30000 -Maximum 40000) -SettingsPath $settings
try {
    & dotnet run --project $BenchmarkProject -c Release -- --api "$($api.Uri)runtime/go-pilot/promotion-readiness" --requests $Requests --concurrency $Concurrency
}
finally {
    $api | Stop-CavraReadinessApi
    Remove-Item $settings -ErrorAction SilentlyContinue
}
