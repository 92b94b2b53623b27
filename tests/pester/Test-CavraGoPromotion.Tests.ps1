BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Test-CavraGoPromotion' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
    }

    Context 'a complete, valid, fresh evidence set' {
        It 'returns a verdict that Go would be selected, with every section' {
            $v = Test-CavraGoPromotion @gate
            $v.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Readiness.GateVerdict'
            $v.GoSelected | Should -BeTrue
            $v.SelectedBackend | Should -Be 'go'
            $v.FailedStep | Should -Be 'None'
            $v.Sections | Should -HaveCount 7
            # The sample evidence is not bound to a binary: one advisory warning, which does not block.
            @($v.AttentionChecks.Id) | Should -Be @('go_promotion_evidence_binding')
            $v.BlockingChecks | Should -BeNullOrEmpty
        }

        It '-Quiet returns exactly $true' {
            $r = Test-CavraGoPromotion @gate -Quiet
            $r | Should -BeOfType [bool]
            $r | Should -BeTrue
        }

        It '-Quiet returns $false for any other mode' -ForEach @('Disabled', 'Shadow', 'Enforce') {
            $gate.Mode = $_
            Test-CavraGoPromotion @gate -Quiet | Should -BeFalse
        }

        It 'reads the same configuration from CAVRA_GO_* environment variables' {
            $env:CAVRA_GO_BACKEND_MODE = 'promoted'
            $env:CAVRA_GO_RUNTIME_PATH = $gate.RuntimePath
            $env:CAVRA_GO_RUNTIME_POLICY = $gate.PolicyPath
            $env:CAVRA_GO_RUNTIME_PACKAGE_DIR = $gate.PackageDir
            $env:CAVRA_GO_PROMOTION_EVIDENCE = $gate.PromotionEvidencePath
            $env:CAVRA_GO_ROLLBACK_PLAN = $gate.RollbackPlanPath
            $env:CAVRA_GO_ROLLBACK_REHEARSAL_EVIDENCE = $gate.RollbackRehearsalPath
            $env:CAVRA_GO_ROLLBACK_DRILL_HISTORY = $gate.RollbackDrillHistoryPath
            Test-CavraGoPromotion -Quiet | Should -BeTrue
            Test-CavraGoPromotion -Quiet -Mode Shadow | Should -BeFalse
        }

        It '-AsJson returns the canonical snake_case document' {
            $json = Test-CavraGoPromotion @gate -AsJson
            $json | Should -BeOfType [string]
            $doc = $json | ConvertFrom-Json
            $doc.schema_version | Should -Be 'cavra.powershell.go-promotion-verdict.v1'
            $doc.go_selected | Should -BeTrue
            $doc.selected_backend | Should -Be 'go'
            $doc.promotion_readiness.schema_version | Should -Be 'cavra.go-backend-pilot.promotion-readiness.v1'
            $doc.readiness.checks.id | Should -Contain 'dotnet_fallback'
        }

        It '-Verbose says which files were read' {
            $out = Test-CavraGoPromotion @gate -Verbose 4>&1
            $messages = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
            $messages | Where-Object { $_ -like 'Read *rollback-plan.json' } | Should -Not -BeNullOrEmpty
            $messages | Where-Object { $_ -like 'Read *promotion-evidence.json' } | Should -Not -BeNullOrEmpty
        }

        It 'formats the verdict at a glance' {
            $text = Test-CavraGoPromotion @gate | Out-String -Width 200
            $text | Should -Match 'GoSelected\s+: True'
            $text | Should -Match 'NeedsAttention\s+: WARN go_promotion_evidence_binding: promotion evidence is not bound'
            $text | Should -Not -Match 'FAIL'
        }
    }

    Context 'a broken evidence set' {
        It 'names the first failing step and every check that is not pass' {
            Remove-Item $gate.RollbackRehearsalPath
            $v = Test-CavraGoPromotion @gate
            $v.GoSelected | Should -BeFalse
            $v.FailedStep | Should -Be 'RollbackRehearsal'
            $v.FallbackReason | Should -Be 'go backend rollback rehearsal check failed'
            $v.BlockingChecks.Id | Should -Contain 'go_rollback_rehearsal_evidence'
            $text = $v | Out-String -Width 250
            $text | Should -Match 'go backend rollback rehearsal check failed'
            $text | Should -Match 'go_rollback_rehearsal_evidence: metadata file is missing'
        }

        It 'fails closed on a corrupt file without raising an error' {
            Set-Content -Path $gate.PromotionEvidencePath -Value '{"schema_version": NaN}'
            $v = Test-CavraGoPromotion @gate -ErrorVariable errs
            $errs | Should -BeNullOrEmpty
            $v.FailedStep | Should -Be 'Promotion'
            ($v.BlockingChecks | Where-Object Id -eq 'go_parity_evidence').Message | Should -Match 'NaN'
            Test-CavraGoPromotion @gate -Quiet | Should -BeFalse
        }

        It 'resolves relative paths against the current location' {
            Push-Location (Split-Path $gate.RollbackPlanPath)
            try {
                $gate.RollbackPlanPath = './' + (Split-Path -Leaf $gate.RollbackPlanPath)
                Test-CavraGoPromotion @gate -Quiet | Should -BeTrue
            }
            finally { Pop-Location }
        }
    }

    Context 'parameters' {
        It 'rejects an unknown -Mode as a parameter binding error' {
            { Test-CavraGoPromotion -Mode fast } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,Cavra.PowerShell.Commands.TestCavraGoPromotionCommand'
        }

        It 'treats an unknown CAVRA_GO_BACKEND_MODE as disabled and says so' {
            $env:CAVRA_GO_BACKEND_MODE = 'fast'
            $out = Test-CavraGoPromotion -Verbose 4>&1
            $verdict = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
            $verdict.Mode | Should -Be 'Disabled'
            ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'treated as disabled'
        }

        It 'completes -Mode' {
            $line = 'Test-CavraGoPromotion -Mode Sh'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'Shadow'
        }

        It 'declares its output types' {
            (Get-Command Test-CavraGoPromotion).OutputType.Name | Should -Contain 'Cavra.Gate.Readiness.GateVerdict'
            (Get-Command Test-CavraGoPromotion).OutputType.Name | Should -Contain 'System.Boolean'
        }
    }
}
