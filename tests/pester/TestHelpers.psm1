# Shared fixtures for the Pester suite: a fresh, complete evidence set and a clean CAVRA_GO_* environment.

function New-CavraTestEvidenceSet {
    <# Copies examples/evidence into a folder and re-stamps the two time-relative fields against the real clock,
       as upstream's own tests do. Returns the splat of gate parameters for it. #>
    param([Parameter(Mandatory)] [string] $Path)
    Import-Module (Join-Path $PSScriptRoot '../../tools/FreshEvidence.psm1') -Scope Local
    $fresh = Copy-CavraFreshEvidence -Path $Path
    $package = $fresh.PackageDir; $drills = $fresh.DrillHistory; $schedule = $fresh.DrillSchedule
    Set-Content -Path (Join-Path $Path 'cavra-runtime') -Value '#!/bin/sh'
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode((Join-Path $Path 'cavra-runtime'), [IO.UnixFileMode] 0x1ED) } # rwxr-xr-x: a runtime must be executable
    Set-Content -Path (Join-Path $Path 'compiled-policy.json') -Value '{}'
    return @{
        Mode                      = 'Promoted'
        RuntimePath               = Join-Path $Path 'cavra-runtime'
        PolicyPath                = Join-Path $Path 'compiled-policy.json'
        PackageDir                = $package
        PromotionEvidencePath     = Join-Path $Path 'cavra-runtime.go-backend-promotion-evidence.json'
        RollbackPlanPath          = Join-Path $Path 'cavra-runtime.go-backend-rollback-plan.json'
        RollbackRehearsalPath     = Join-Path $Path 'cavra-runtime.go-backend-rollback-rehearsal.json'
        RollbackDrillHistoryPath  = $drills
        RollbackDrillSchedulePath = $schedule
    }
}

function Clear-CavraEnvironment {
    # CAVRA_CONNECTOR_CONFIG (upstream's name, without GO_) configures the gate too: with a schedule it adds the
    # notification recovery check.
    foreach ($v in Get-ChildItem env:CAVRA_GO_*, env:CAVRA_CONNECTOR_CONFIG -ErrorAction SilentlyContinue) { Remove-Item "env:$($v.Name)" }
}

function Save-CavraEnvironment {
    <# For a test file's BeforeAll: returns the caller's CAVRA_GO_* variables and clears them, so the file starts clean.
       Hand the result to Restore-CavraEnvironment in AfterAll. #>
    $saved = @(Get-ChildItem env:CAVRA_GO_*, env:CAVRA_CONNECTOR_CONFIG -ErrorAction SilentlyContinue | ForEach-Object { @{ Name = $_.Name; Value = $_.Value } })
    Clear-CavraEnvironment
    return , $saved
}

function Restore-CavraEnvironment {
    <# For a test file's AfterAll: drops whatever CAVRA_GO_* the tests left and puts back what Save-CavraEnvironment saved. #>
    param([AllowEmptyCollection()] [AllowNull()] [object[]] $Saved)
    Clear-CavraEnvironment
    foreach ($v in @($Saved)) { if ($v) { Set-Item "env:$($v.Name)" $v.Value } }
}

Export-ModuleMember -Function New-CavraTestEvidenceSet, Clear-CavraEnvironment, Save-CavraEnvironment, Restore-CavraEnvironment
