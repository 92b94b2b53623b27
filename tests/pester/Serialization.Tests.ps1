# Output objects through PowerShell's serializer: Export-Clixml/Import-Clixml and Start-Job (remoting uses the same
# serializer at the same default depth of 1; Invoke-Command to localhost needs WinRM or SSH, which this machine lacks).
# Cavra.PowerShell.Types.ps1xml sets SerializationDepth per output type so nested reports and checks stay objects, and
# the views in Cavra.PowerShell.Format.ps1xml select the Deserialized.* type names too.

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:passing = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'passing')
    $script:failing = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'failing')
    Remove-Item $failing.RollbackRehearsalPath   # a failing verdict has the most to lose in transit

    function Get-ShapeProblem {
        <# Walks a live object and its deserialized copy side by side and names every place where a nested object
           did not survive as an object: flattened to a string (the default depth's symptom), lost, a collection of
           another length, or a wrong type name. Scalars (strings, numbers, enums, times) are values in both. #>
        param($Live, $Copy, [string] $Path = '$', [int] $Depth = 0)
        if ($Depth -gt 10 -or $null -eq $Live -or $Live -is [string] -or $Live -is [ValueType]) { return }
        if ($null -eq $Copy) { return "$Path was lost" }
        if ($Copy -is [string]) { return "$Path became the string '$Copy'" }
        if ($Live -is [System.Collections.IDictionary]) {
            foreach ($key in $Live.Keys) { Get-ShapeProblem $Live[$key] $Copy[$key] "$Path[$key]" ($Depth + 1) }
            return
        }
        if ($Live -is [System.Collections.IEnumerable]) {
            $l = @($Live); $c = @($Copy)
            if ($l.Count -ne $c.Count) { return "$Path has $($c.Count) items, not $($l.Count)" }
            for ($i = 0; $i -lt $l.Count; $i++) { Get-ShapeProblem $l[$i] $c[$i] "$Path[$i]" ($Depth + 1) }
            return
        }
        $expected = 'Deserialized.' + $Live.GetType().FullName
        if ($Copy.PSObject.TypeNames[0] -ne $expected) { return "$Path is $($Copy.PSObject.TypeNames[0]), not $expected" }
        foreach ($p in $Live.PSObject.Properties) {
            if ($p.MemberType -ne 'Property') { continue }
            Get-ShapeProblem $p.Value $Copy.($p.Name) "$Path.$($p.Name)" ($Depth + 1)
        }
    }

    function ConvertTo-Deserialized {
        param([Parameter(ValueFromPipeline)] $InputObject)
        begin { $items = [System.Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end {
            $file = Join-Path $TestDrive ([guid]::NewGuid().ToString('N') + '.xml')
            $items | Export-Clixml -LiteralPath $file
            Import-Clixml -LiteralPath $file
        }
    }

    # One job evaluates both sets, so the suite pays for one background process.
    $job = Start-Job -ScriptBlock {
        param($Manifest, $Passing, $Failing)
        Get-ChildItem env:CAVRA_GO_* | Remove-Item
        Import-Module $Manifest
        Test-CavraGoPromotion @Passing
        Test-CavraGoPromotion @Failing
    } -ArgumentList $env:CAVRA_MODULE_MANIFEST, $passing, $failing
    $script:fromJob = @($job | Receive-Job -Wait -AutoRemoveJob)
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'A verdict through Export-Clixml and Import-Clixml' {
    It 'keeps its type names, failed step and blocking checks (<Name> evidence)' -ForEach @(
        @{ Name = 'failing'; FailedStep = 'RollbackRehearsal'; Blocking = @('go_rollback_rehearsal_evidence', 'go_rollback_rehearsal_simulated', 'go_rollback_rehearsal_fallback_verified', 'go_rollback_rehearsal_recovery_sla', 'go_rollback_rehearsal_evidence_refs') }
        @{ Name = 'passing'; FailedStep = 'None'; Blocking = @() }
    ) {
        $gate = if ($Name -eq 'failing') { $failing } else { $passing }
        $live = Test-CavraGoPromotion @gate
        $copy = $live | ConvertTo-Deserialized
        $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.GateVerdict'
        # Enums travel as their names (SerializationMethod String in the type data): comparisons written for live objects work.
        $copy.FailedStep | Should -BeOfType [string]
        $copy.FailedStep -eq $FailedStep | Should -BeTrue
        $copy.Mode -eq 'Promoted' | Should -BeTrue
        $copy.GoSelected | Should -Be $live.GoSelected
        $copy.Summary | Should -Be $live.Summary
        @($copy.BlockingChecks.Id) | Should -Be $Blocking
        @($copy.BlockingChecks.Message) | Should -Be @($live.BlockingChecks.Message)
        foreach ($check in $copy.BlockingChecks) { $check.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.ReadinessCheck' }
    }

    It 'keeps every nested report, check, step and evidence summary an object (<_>)' -ForEach 'failing', 'passing' {
        $gate = if ($_ -eq 'failing') { $failing } else { $passing }
        $live = Test-CavraGoPromotion @gate
        Get-ShapeProblem $live ($live | ConvertTo-Deserialized) | Should -BeNullOrEmpty
    }

    It 'renders with the same views as the live verdict (<_>)' -ForEach 'failing', 'passing' {
        $gate = if ($_ -eq 'failing') { $failing } else { $passing }
        $live = Test-CavraGoPromotion @gate
        $copy = $live | ConvertTo-Deserialized
        ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
        ($copy.Steps | Out-String -Width 250) | Should -Be ($live.Steps | Out-String -Width 250)
        ($copy.Sections | Out-String -Width 250) | Should -Be ($live.Sections | Out-String -Width 250)
        ($copy.AttentionChecks | Out-String -Width 250) | Should -Be ($live.AttentionChecks | Out-String -Width 250)
    }

    It 'the failing verdict reads the same after the round trip' {
        $text = Test-CavraGoPromotion @failing | ConvertTo-Deserialized | Out-String -Width 250
        $text | Should -Match 'FailedStep\s+: RollbackRehearsal'
        $text | Should -Match 'FallbackReason\s+: go backend rollback rehearsal check failed'
        $text | Should -Match 'go_rollback_rehearsal_evidence: metadata file is missing'
        $text | Should -Match 'rollback_rehearsal\s+NeedsAttention'
    }
}

Describe 'A verdict from Start-Job' {
    It 'arrives as two deserialized verdicts with their nested objects intact' {
        $fromJob | Should -HaveCount 2
        $fromJob.ForEach({ $_.PSObject.TypeNames[0] }) | Should -Be @('Deserialized.Cavra.Gate.Readiness.GateVerdict', 'Deserialized.Cavra.Gate.Readiness.GateVerdict')
        Get-ShapeProblem (Test-CavraGoPromotion @passing) $fromJob[0] | Should -BeNullOrEmpty
        Get-ShapeProblem (Test-CavraGoPromotion @failing) $fromJob[1] | Should -BeNullOrEmpty
    }

    It 'keeps the failed step, blocking checks and their messages' {
        $v = $fromJob[1]
        $v.FailedStep -eq 'RollbackRehearsal' | Should -BeTrue
        ($v.Steps | Where-Object Step -eq 'RollbackRehearsal').Status -eq 'NeedsAttention' | Should -BeTrue
        ($v.BlockingChecks | Where-Object Outcome -eq 'Fail').Id | Should -Contain 'go_rollback_rehearsal_evidence'
        $v.GoSelected | Should -BeFalse
        $v.BlockingChecks[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.ReadinessCheck'
        $v.BlockingChecks.Id | Should -Contain 'go_rollback_rehearsal_evidence'
        ($v.BlockingChecks | Where-Object Id -eq 'go_rollback_rehearsal_evidence').Message | Should -Be 'metadata file is missing'
        ($v.BlockingChecks | Where-Object Id -eq 'go_rollback_rehearsal_evidence').Extras.path | Should -Be $failing.RollbackRehearsalPath
        $fromJob[0].GoSelected | Should -BeTrue
        [string] $fromJob[0].FailedStep | Should -Be 'None'
    }

    It 'shows the same verdict lines as a verdict evaluated here' {
        # Everything but the evaluation time, which differs between the two evaluations.
        foreach ($pair in @(@($fromJob[0], $passing), @($fromJob[1], $failing))) {
            $job = ($pair[0] | Out-String -Width 250) -split "`n" | Where-Object { $_ -notmatch '^EvaluatedAt' }
            $gate = $pair[1]
            $here = (Test-CavraGoPromotion @gate | Out-String -Width 250) -split "`n" | Where-Object { $_ -notmatch '^EvaluatedAt' }
            $job | Should -Be $here
        }
        ($fromJob[1] | Out-String -Width 250) | Should -Match 'go_rollback_rehearsal_evidence: metadata file is missing'
    }
}

Describe 'Other output types through Export-Clixml' {
    It 'a production readiness report keeps its sections and checks' {
        $live = Get-CavraProductionReadiness @passing
        $copy = $live | ConvertTo-Deserialized
        $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.ProductionReadinessReport'
        Get-ShapeProblem $live $copy | Should -BeNullOrEmpty
        ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
    }

    It 'a section report keeps its checks and renders the same' {
        $live = Get-CavraGoReadinessReport RollbackDrillSchedule @passing
        $copy = $live | ConvertTo-Deserialized
        Get-ShapeProblem $live $copy | Should -BeNullOrEmpty
        ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
        @($copy.Checks | Where-Object Id -eq 'go_rollback_drill_notification_routes').Extras.owners | Should -Be @('release-governance')
    }

    It 'an evaluation record keeps its decision and renders the same' {
        $live = Invoke-CavraGoPilotEvaluate read_file .env -Mode Disabled
        $copy = $live | ConvertTo-Deserialized
        $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Pilot.EvaluationRecord'
        $copy.RuleId | Should -Be 'filesystem.read.block'
        $copy.DotnetDecision.Verdict | Should -Be 'block'
        Get-ShapeProblem $live $copy | Should -BeNullOrEmpty
        ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
    }

    It 'authored evidence and a recorded drill keep their summaries and render the same' {
        $dir = Join-Path $TestDrive 'authored'
        $plan = New-CavraRollbackPlan -Path (Join-Path $dir 'plan.json') -ApprovalId apr_rollback -Approved -MaxRecoveryMinutes 15 -Step 'Set CAVRA_GO_BACKEND_MODE=disabled.'
        $drill = Add-CavraRollbackDrill -Path (Join-Path $dir 'drills.json') -Status pass -FallbackVerified -RecoveryMinutes 7 -MaxRecoveryMinutes 15 `
            -RunbookRef docs/drill.md -EvidenceRef 'go-rollback-drill://ci/1'
        foreach ($live in $plan, $drill) {
            $copy = $live | ConvertTo-Deserialized
            Get-ShapeProblem $live $copy | Should -BeNullOrEmpty
            ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
        }
    }

    It 'configuration settings render the same' {
        $live = Get-CavraGoBackendConfig @passing
        $copy = $live | ConvertTo-Deserialized
        ($copy | Out-String -Width 250) | Should -Be ($live | Out-String -Width 250)
    }
}

Describe 'Export-CavraReadinessReport with a received verdict' {
    It 'renders a verdict from Import-Clixml byte for byte as the live one (<_> evidence)' -ForEach 'failing', 'passing' {
        $gate = if ($_ -eq 'failing') { $failing } else { $passing }
        $live = Test-CavraGoPromotion @gate
        $copy = $live | ConvertTo-Deserialized
        $livePage = Join-Path $TestDrive "live-$_.html"; $copyPage = Join-Path $TestDrive "copy-$_.html"
        $live | Export-CavraReadinessReport -Path $livePage | Out-Null
        $copy | Export-CavraReadinessReport -Path $copyPage | Out-Null
        Get-Content -Raw -LiteralPath $copyPage | Should -BeExactly (Get-Content -Raw -LiteralPath $livePage)
    }

    It 'renders a verdict from Start-Job, with its blocking checks as FAIL' {
        $page = Join-Path $TestDrive 'from-job.html'
        $fromJob[1] | Export-CavraReadinessReport -Path $page | Should -BeOfType [System.IO.FileInfo]
        $html = Get-Content -Raw -LiteralPath $page
        $html | Should -Match 'NO GO'
        $html | Should -Match '<span class="badge fail">FAIL</span></td><td class="id">go_rollback_rehearsal_evidence</td>'
    }

    It 'refuses anything else with InputObjectNotVerdict, and writes nothing' {
        $page = Join-Path $TestDrive 'not-a-verdict.html'
        $err = $null
        'not a verdict' | Export-CavraReadinessReport -Path $page -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InputObjectNotVerdict,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
        Test-Path -LiteralPath $page | Should -BeFalse
    }
}
