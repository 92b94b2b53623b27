<#
.SYNOPSIS
    The README's first command: evaluates the Go backend promotion gate over the sample evidence in examples/evidence.
.DESCRIPTION
    The sample evidence is upstream CAVRA's own complete set. Its drill and schedule dates are fixed, so as time
    passes the gate will (correctly) report the drill history as stale: that is the gate working, not the demo failing.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    # The runtime the gate checks for; build.ps1 passes the stand-in cavra-runtime built from tests/.
    [Parameter(Mandatory)] [string] $RuntimePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$evidence = Join-Path $PSScriptRoot 'evidence'

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
    $section.Checks | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
}

Write-Host 'Routing agent actions through the pilot (promoted mode, the stand-in runtime as the Go candidate):' -ForegroundColor Cyan
$actions = @(
    [pscustomobject]@{ action_type = 'execute_command'; target = 'custom scan --check' }
    [pscustomobject]@{ action_type = 'execute_command'; target = 'dangerous mutate --all' }
    [pscustomobject]@{ action_type = 'write_file'; target = 'iam/admin-role.tf' }
    [pscustomobject]@{ action_type = 'mcp_tool_call'; target = 'github-enterprise'; server = 'github-enterprise'; tool = 'create_issue' }
)
$actions | Invoke-CavraGoPilotEvaluate @gate | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
Write-Host 'The same actions with the rollback drill history missing: every decision falls back to the built-in .NET backend.' -ForegroundColor Cyan
$gate.RollbackDrillHistoryPath = Join-Path $evidence 'no-such-drill-history.json'
$actions | Invoke-CavraGoPilotEvaluate @gate | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
