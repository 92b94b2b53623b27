BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Clear-CavraEnvironment
    $script:gate = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'set')
    Remove-Item $gate.RollbackRehearsalPath   # a failing verdict has the most to lose in transit
}

# Invoke-Command needs WinRM or SSH, which this machine lacks; Start-Job and Export-Clixml use the same serializer.
Describe 'Objects through serialization' {
    It 'a verdict keeps its type name, properties and nested checks through Export-Clixml' {
        $file = Join-Path $TestDrive 'verdict.xml'
        Test-CavraGoPromotion @gate | Export-Clixml -Path $file
        $v = Import-Clixml -Path $file
        $v.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.GateVerdict'
        [string] $v.FailedStep | Should -Be 'RollbackRehearsal'
        $v.FallbackReason | Should -Be 'go backend rollback rehearsal check failed'
        $v.BlockingChecks.Id | Should -Contain 'go_rollback_rehearsal_evidence'
        $v.Sections | Should -HaveCount 7
        ($v.Sections | Where-Object Section -eq 'rollback_rehearsal').Checks.Id | Should -Contain 'go_rollback_rehearsal_evidence'
    }

    It 'the deserialized verdict formats like the live one' {
        $live = Test-CavraGoPromotion @gate
        $file = Join-Path $TestDrive 'verdict2.xml'
        $live | Export-Clixml -Path $file
        $text = Import-Clixml -Path $file | Out-String -Width 250
        $text | Should -Match 'FailedStep\s+: RollbackRehearsal'
        $text | Should -Match 'go_rollback_rehearsal_evidence: metadata file is missing'
        $text | Should -Match 'rollback_rehearsal\s+NeedsAttention'
    }

    It 'a job returns the same verdict' {
        $manifest = $env:CAVRA_MODULE_MANIFEST
        $v = Start-Job { param($m, $g) Import-Module $m; Test-CavraGoPromotion @g } -ArgumentList $manifest, $gate | Receive-Job -Wait -AutoRemoveJob
        $v.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Readiness.GateVerdict'
        $v.GoSelected | Should -BeFalse
        $v.BlockingChecks.Message | Should -Contain 'metadata file is missing'
        ($v | Out-String -Width 250) | Should -Match 'go backend rollback rehearsal check failed'
    }

    It 'an evaluation record keeps its decision through Export-Clixml' {
        $file = Join-Path $TestDrive 'record.xml'
        Invoke-CavraGoPilotEvaluate read_file .env -Mode Disabled | Export-Clixml -Path $file
        $r = Import-Clixml $file
        $r.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Pilot.EvaluationRecord'
        $r.RuleId | Should -Be 'filesystem.read.block'
        $r.DotnetDecision.Verdict | Should -Be 'block'
        ($r | Out-String -Width 250) | Should -Match 'filesystem.read.block'
    }
}
