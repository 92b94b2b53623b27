<#
.SYNOPSIS
    The README's first command: evaluates the Go backend promotion gate over the sample evidence in examples/evidence.
.DESCRIPTION
    The sample evidence is upstream CAVRA's own complete set. Its drill and schedule dates are fixed, so as time
    passes the gate will (correctly) report the drill history as stale: that is the gate working, not the demo failing.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [string] $RuntimePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$evidence = Join-Path $PSScriptRoot 'evidence'
if (-not $RuntimePath) { $RuntimePath = Join-Path $PSScriptRoot 'policy/compiled_policy.json' } # existence is all the gate checks

$gate = @{
    Mode                      = 'Promoted'
    RuntimePath               = $RuntimePath
    PolicyPath                = Join-Path $PSScriptRoot 'policy/compiled_policy.json'
    PackageDir                = $evidence
    PromotionEvidencePath     = Join-Path $evidence 'cavra-runtime.go-backend-promotion-evidence.json'
    RollbackPlanPath          = Join-Path $evidence 'cavra-runtime.go-backend-rollback-plan.json'
    RollbackRehearsalPath     = Join-Path $evidence 'cavra-runtime.go-backend-rollback-rehearsal.json'
    RollbackDrillHistoryPath  = Join-Path $evidence 'cavra-runtime.go-backend-rollback-drills.json'
    RollbackDrillSchedulePath = Join-Path $evidence 'cavra-runtime.go-backend-rollback-drill-schedule.json'
}

Write-Host "Test-CavraGoPromotion over $evidence" -ForegroundColor Cyan
$verdict = Test-CavraGoPromotion @gate
$verdict | Format-List | Out-Host
Write-Host 'Every check, section by section:' -ForegroundColor Cyan
foreach ($section in $verdict.Sections) {
    Write-Host ("{0} ({1})" -f $section.Section, $section.Status) -ForegroundColor Yellow
    $section.Checks | Format-Table -AutoSize | Out-Host
}
