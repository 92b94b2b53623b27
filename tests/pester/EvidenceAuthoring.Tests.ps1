# The authoring cmdlets together: a full evidence set written by them opens the gate. Each cmdlet has its own file.
BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Evidence authoring round trip' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        $out = Join-Path $dir 'authored'
        New-Item -ItemType Directory -Path $out | Out-Null
    }

    It 'a full set written by the cmdlets passes every validator and makes Test-CavraGoPromotion select Go' {
        $p = New-CavraPromotionEvidence -Path (Join-Path $out 'promotion.json') -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId apr_1 `
            -EvidenceRef 'go-runtime-parity://ci/1' -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath
        $plan = New-CavraRollbackPlan -Path (Join-Path $out 'plan.json') -ApprovalId apr_rb -Approved -MaxRecoveryMinutes 15 -Step 'Set CAVRA_GO_BACKEND_MODE=disabled.'
        $rehearsal = New-CavraRollbackRehearsal -Path (Join-Path $out 'rehearsal.json') -RollbackPlanPath $plan.Path -Status pass -Simulated -FallbackVerified `
            -RecoveryMinutes 6 -RunbookRef docs/rehearsal.md -EvidenceRef 'go-rollback-rehearsal://ci/1'
        $drills = 3..1 | ForEach-Object {
            [pscustomobject]@{ executed_at = [DateTimeOffset]::UtcNow.AddDays(-$_); status = 'pass'; fallback_verified = $true; recovery_minutes = 5 + $_
                max_recovery_minutes = 15; runbook_ref = 'docs/drills.md'; evidence_refs = "go-rollback-drill://ci/$_" }
        } | Add-CavraRollbackDrill -Path (Join-Path $out 'drills.json') -Environment production-pilot
        $p.Valid, $plan.Valid, $rehearsal.Valid, $drills[-1].History.Valid, $drills[-1].History.Fresh | Should -Be @($true, $true, $true, $true, $true)

        $gate.PromotionEvidencePath = $p.Path
        $gate.RollbackPlanPath = $plan.Path
        $gate.RollbackRehearsalPath = $rehearsal.Path
        $gate.RollbackDrillHistoryPath = $drills[-1].Path
        $v = Test-CavraGoPromotion @gate
        $v.AttentionChecks | ForEach-Object { "$($_.Id): $($_.Message)" } | Should -BeNullOrEmpty
        $v.GoSelected | Should -BeTrue
        Test-CavraGoPromotion @gate -Quiet | Should -BeTrue
    }

    It 'every file written is UTF-8 without BOM, indented, newline-terminated and parses strictly' {
        New-CavraRollbackPlan -Path (Join-Path $out 'plan.json') -ApprovalId 'apr_é' -Approved -MaxRecoveryMinutes 15 -Step 'Désactiver Go.' | Out-Null
        New-CavraRollbackRehearsal -Path (Join-Path $out 'rehearsal.json') -RollbackPlanPath (Join-Path $out 'plan.json') -Status pass -Simulated -FallbackVerified `
            -RecoveryMinutes 6 -RunbookRef docs/r.md -EvidenceRef e | Out-Null
        New-CavraPromotionEvidence -Path (Join-Path $out 'promotion.json') -ParityStatus pass -DeploymentStatus ready -EvidenceRef e `
            -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath -WarningAction SilentlyContinue | Out-Null
        Add-CavraRollbackDrill -Path (Join-Path $out 'drills.json') -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 2 -RunbookRef r -EvidenceRef e | Out-Null
        $strict = [Text.UTF8Encoding]::new($false, $true)
        foreach ($file in Get-ChildItem $out -Filter *.json) {
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            $bytes[0..2] | Should -Not -Be @(0xEF, 0xBB, 0xBF) -Because $file.Name
            $text = $strict.GetString($bytes)
            $text | Should -Match '^\{\n  "schema_version": "cavra\.go-backend-[a-z-]+\.v1",\n' -Because $file.Name
            $text | Should -Match '\}\n$' -Because $file.Name
            $text | Should -Not -Match "`r" -Because $file.Name
        }
        (Get-Content -Raw (Join-Path $out 'plan.json') | ConvertFrom-Json).approval_id | Should -Be 'apr_é'
        @(Get-ChildItem -Force $out -Filter '*.tmp') | Should -HaveCount 0
    }
}
