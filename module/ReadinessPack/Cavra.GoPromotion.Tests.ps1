<#
.SYNOPSIS
    Cavra.PowerShell readiness pack: the Go backend promotion gate as Pester tests, for change windows.
.DESCRIPTION
    Evaluates the gate once (Test-CavraGoPromotion, in BeforeDiscovery) and reports it as tests:

      Describe 'Go backend promotion gate'   It 'every gate step passes' (and, with -RequireGoSelected,
                                             It 'the configured mode selects the Go runtime')
      Describe '<step>' per gate step,       It '<check id>' per check, failing with the check's message,
      in gate order (runtime, promotion,     It 'step status is ready' (the step's own rule)
      rollback, rollback_rehearsal, ...)

    The drill schedule step is skipped, not failed, when no schedule is configured: it is then not part of the gate.
    Each Describe is tagged with its step name (runtime, promotion, rollback, rollback_rehearsal, ...) and 'CavraGate'.

    Get it with Get-CavraReadinessPack, which returns a Pester container carrying the gate configuration:

        Invoke-Pester -Container (Get-CavraReadinessPack -RollbackPlanPath ./plan.json ...)

    or pass the same parameters as container data yourself (New-PesterContainer -Path <this file> -Data @{...}).
    Unset parameters fall back to the CAVRA_GO_* environment variables, then to the defaults, as for
    Test-CavraGoPromotion. Works with Pester 5 and 6.
#>
param(
    # The gate configuration: the same names and meaning as Test-CavraGoPromotion's parameters.
    [string] $Mode,
    [string] $RuntimePath,
    [string] $PolicyPath,
    [string] $RegistryPath,
    [string] $PackageDir,
    [string] $EndpointDeploymentPath,
    [string] $CiRunnerBundlesPath,
    [string] $ChannelManifestPath,
    [string] $UpdaterPolicyPath,
    [string] $PromotionEvidencePath,
    [string] $RollbackPlanPath,
    [string] $RollbackRehearsalPath,
    [string] $RollbackDrillHistoryPath,
    [double] $RollbackDrillMaxAgeDays,
    [string] $RollbackDrillSchedulePath,
    [double] $RollbackDrillDueSoonDays,
    [double] $TimeoutSeconds,
    [double] $ParityMaxAgeDays,
    [switch] $RequireParityReport,
    # Alternatively, one splat for Test-CavraGoPromotion; the named parameters above override its entries.
    [hashtable] $Parameters = @{},
    # Also require the configured mode to select Go now (promoted mode and a passing gate).
    [switch] $RequireGoSelected
)

# The parameters given (as container data); only these are passed on, so the rest come from CAVRA_GO_* or the defaults.
$CavraPackParameters = @{} + $PSBoundParameters

BeforeDiscovery {
    # The module this pack ships in, unless a Cavra.PowerShell is already loaded.
    if (-not (Get-Module Cavra.PowerShell)) {
        Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'Cavra.PowerShell.psd1')) -ErrorAction Stop
    }

    $gateParameters = @{} + $Parameters
    foreach ($name in $CavraPackParameters.Keys) {
        if ($name -notin 'Parameters', 'RequireGoSelected') { $gateParameters[$name] = $CavraPackParameters[$name] }
    }

    $verdict = Test-CavraGoPromotion @gateParameters
    $statusName = { param($value) [Cavra.Gate.Serialization.CanonicalName]::Of($value) }

    # Plain data for the run phase: the verdict is evaluated once, here, and every It asserts this snapshot.
    $CavraGate = @{
        GatePassed        = $verdict.GatePassed
        GoSelected        = $verdict.GoSelected
        Mode              = & $statusName $verdict.Mode
        Summary           = $verdict.Summary
        FailedStep        = if ($verdict.GatePassed) { '' } else { & $statusName $verdict.FailedStep }
        RequireGoSelected = [bool] $RequireGoSelected
    }
    $CavraSteps = foreach ($step in $verdict.Steps) {
        @{
            Order  = $step.Order
            Name   = $step.Name
            Title  = $step.Title
            InGate = $step.InGate
            Passed = $step.Passed
            Status = & $statusName $step.Status
            Reason = $step.Reason
            NotInGate = 'no rollback drill schedule is configured, so this step is not part of the gate'
            Rule   = if ($step.Step -eq [Cavra.Gate.Readiness.GateStep]::RollbackDrillSchedule) { 'ready or due_soon' } else { 'ready' }
            Checks = @(foreach ($check in $step.Checks) {
                    $details = foreach ($entry in $check.Extras.GetEnumerator()) {
                        $value = $entry.Value
                        if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string]) { $value = @($value) -join ', ' }
                        if ("$value" -ne '') { '{0}: {1}' -f $entry.Key, $value }
                    }
                    @{ Id = $check.Id; Passed = $check.Passed; Message = $check.Message; Details = @($details) -join '; ' }
                })
        }
    }
}

Describe 'Go backend promotion gate' -Tag 'CavraGate' -ForEach @($CavraGate) {
    It 'every gate step passes' {
        if (-not $GatePassed) { throw "$Summary (first failing step: $FailedStep)" }
    }

    if ($RequireGoSelected) {
        It 'the configured mode selects the Go runtime' {
            if (-not $GoSelected) { throw "Go is not selected in mode $Mode`: $Summary" }
        }
    }
}

Describe '<Name>' -Tag 'CavraGate', $Name -ForEach $CavraSteps {
    It '<Id>' -ForEach $Checks {
        if (-not $InGate) { Set-ItResult -Skipped -Because $NotInGate }
        elseif (-not $Passed) { throw $(if ($Details) { "$Message ($Details)" } else { $Message }) }
    }

    It "step status is $Rule" {
        if (-not $InGate) { Set-ItResult -Skipped -Because $NotInGate }
        elseif (-not $Passed) { throw "$Name is $Status, not $Rule`: $Reason" }
    }
}
