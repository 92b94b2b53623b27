<#
.SYNOPSIS
    Cavra.PowerShell readiness pack: the Go backend promotion gate as Pester tests, for change windows.
.DESCRIPTION
    Evaluates the gate once (Test-CavraGoPromotion, in BeforeDiscovery) and reports it as tests:

      Describe 'Go backend promotion gate'   It 'every gate step passes' (and, with -RequireGoSelected,
                                             It 'the configured mode selects the Go runtime')
      Describe '<step>' per gate step,       It '<check id>' per check, failing with the check's message and
      in gate order (runtime, promotion,     its file; It 'step status is ready' (the step's own rule)
      rollback, rollback_rehearsal, ...)

    A blocking check fails ("FAIL: <message>: <file>"); an advisory warning (e.g. go_promotion_evidence_binding
    without -RequireBoundEvidence) is inconclusive with its message; when a file cannot be read, the later checks of
    the same report are skipped with that reason instead of failing as knock-on failures.

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
    [string] $SettingsPath,
    [string] $EvidenceDirectory,
    [switch] $RequireBoundEvidence,
    [double] $ParityMaxAgeDays,
    [switch] $RequireParityReport,
    [string] $ConnectorConfigPath,
    [string] $NotificationLedgerPath,
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
    $here = (Get-Location -PSProvider FileSystem).ProviderPath
    $CavraSteps = foreach ($step in $verdict.Steps) {
        $checks = foreach ($report in $step.Reports) {
            # A check that could not read its file (not configured, missing, unreadable, not JSON: the "metadata ..."
            # messages) makes the report's later checks that read no file of their own knock-on failures: they are
            # skipped with the reason, so one missing file is one failure, not five.
            $unreadable = $null
            foreach ($check in $report.Checks) {
                $details = foreach ($entry in $check.Extras.GetEnumerator()) {
                    if ($entry.Key -eq 'path') { continue }   # already in the message
                    $value = $entry.Value
                    if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string]) { $value = @($value) -join ', ' }
                    if ("$value" -ne '') { '{0}: {1}' -f $entry.Key, $value }
                }
                $message = $check.MessageFor($here)
                @{
                    Id       = $check.Id
                    Outcome  = & $statusName $check.Outcome
                    Message  = if ($details) { '{0} ({1})' -f $message, (@($details) -join '; ') } else { $message }
                    KnockOn  = if ($unreadable -and -not $check.Passed -and -not $check.Extras.Contains('path')) { "$($unreadable.Id) failed: $($unreadable.MessageFor($here))" } else { '' }
                }
                if (-not $unreadable -and $check.Blocking -and $check.Extras.Contains('path') -and $check.Message -like 'metadata *') { $unreadable = $check }
            }
        }
        @{
            Order     = $step.Order
            Name      = $step.Name
            Title     = $step.Title
            InGate    = $step.InGate
            Passed    = $step.Passed
            Status    = & $statusName $step.Status
            Reason    = $step.Reason
            NotInGate = 'no rollback drill schedule is configured, so this step is not part of the gate'
            Rule      = if ($step.Step -eq [Cavra.Gate.Readiness.GateStep]::RollbackDrillSchedule) { 'ready or due_soon' } else { 'ready' }
            Checks    = @($checks)
        }
    }
}

BeforeAll {
    # Fails the current test with the gate's own words: Pester prints an assertion failure's message as is (no
    # exception type, no script stack), in the console and in JUnit/NUnit XML. The "at" line names the step and check.
    function Stop-CavraCheck([string] $Message, [string] $Step, [string] $Check) {
        $where = @{ LineText = $Check; File = "Go backend promotion gate, step $Step"; Line = $Check }
        throw [System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), 'PesterAssertionFailed', 'InvalidResult', $where)
    }
}

Describe 'Go backend promotion gate' -Tag 'CavraGate' -ForEach @($CavraGate) {
    It 'every gate step passes' {
        if (-not $GatePassed) { Stop-CavraCheck "$Summary (first failing step: $FailedStep)" 'all' 'every gate step passes' }
    }

    if ($RequireGoSelected) {
        It 'the configured mode selects the Go runtime' {
            if (-not $GoSelected) { Stop-CavraCheck "Go is not selected in mode $Mode`: $Summary" 'all' 'the configured mode selects the Go runtime' }
        }
    }
}

# One Describe per step, tagged with the step's name (a loop, not -ForEach: Pester evaluates -Tag before -ForEach data
# exists, so a '<Name>' Describe cannot tag itself per step).
foreach ($CavraStep in $CavraSteps) {
    Describe $CavraStep.Name -Tag 'CavraGate', $CavraStep.Name -ForEach @($CavraStep) {
        It '<Id>' -ForEach $Checks {
            if (-not $InGate) { Set-ItResult -Skipped -Because $NotInGate }
            elseif ($KnockOn) { Set-ItResult -Skipped -Because $KnockOn }
            elseif ($Outcome -eq 'warn') { Set-ItResult -Inconclusive -Because "WARN (does not block the gate): $Message" }
            elseif ($Outcome -eq 'fail') { Stop-CavraCheck "FAIL: $Message" $Name $Id }
        }

        It "step status is $Rule" {
            if (-not $InGate) { Set-ItResult -Skipped -Because $NotInGate }
            elseif (-not $Passed) { Stop-CavraCheck "$Name is $Status, not $Rule`: $Reason" $Name 'step status' }
        }
    }
}
