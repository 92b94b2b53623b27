BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:Id = 'Cavra.PowerShell.Commands.NewCavraRollbackRehearsalCommand'
    $script:Example = Join-Path $PSScriptRoot '../../examples/evidence/cavra-runtime.go-backend-rollback-rehearsal.json'
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'New-CavraRollbackRehearsal' {
    BeforeEach {
        Clear-CavraEnvironment
        $out = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $out | Out-Null
        $planPath = (New-CavraRollbackPlan -Path (Join-Path $out 'plan.json') -ApprovalId apr_rb -Approved -MaxRecoveryMinutes 15 -Step 'Disable Go.').Path
        $path = Join-Path $out 'rehearsal.json'
        $rehearsal = @{ Path = $path; RollbackPlanPath = $planPath; Status = 'pass'; Simulated = $true; FallbackVerified = $true; RecoveryMinutes = 6
            RunbookRef = 'docs/rehearsal.md'; EvidenceRef = 'go-rollback-rehearsal://ci/1' }
    }

    It 'writes a valid rehearsal linked to the plan, in upstream key order' {
        $r = New-CavraRollbackRehearsal @rehearsal
        $r.Valid | Should -BeTrue
        $r.Summary.PlanApprovalId | Should -Be 'apr_rb'
        $r.Summary.RecoverySlaMet | Should -BeTrue
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $doc.PSObject.Properties.Name | Should -Be (Get-Content -Raw $Example | ConvertFrom-Json).PSObject.Properties.Name
        $doc.plan_approval_id, $doc.max_recovery_minutes, $doc.recovery_minutes | Should -Be @('apr_rb', 15, 6)
        [IO.File]::ReadAllBytes($path)[0] | Should -Be ([byte][char]'{')
    }

    It 'takes the plan from CAVRA_GO_ROLLBACK_PLAN' {
        $env:CAVRA_GO_ROLLBACK_PLAN = $planPath
        $rehearsal.Remove('RollbackPlanPath')
        (New-CavraRollbackRehearsal @rehearsal).Summary.PlanApprovalId | Should -Be 'apr_rb'
    }

    It 'a missing or invalid plan is RollbackPlanInvalid' {
        $rehearsal.Remove('RollbackPlanPath')
        New-CavraRollbackRehearsal @rehearsal -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "RollbackPlanInvalid,$Id"
        $errs[0].Exception.Message | Should -Match 'CAVRA_GO_ROLLBACK_PLAN'
        Set-Content -Path $planPath -Value '{"schema_version": "cavra.go-backend-rollback-plan.v1"}'
        New-CavraRollbackRehearsal @rehearsal -RollbackPlanPath $planPath -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "RollbackPlanInvalid,$Id"
        Test-Path $path | Should -BeFalse
    }

    It 'refuses a rehearsal the gate would reject (EvidenceInvalid), naming the problem: <Name>' -ForEach @(
        @{ Name = 'status fail'; Splat = @{ Status = 'fail' }; Message = 'status=pass' }
        @{ Name = 'not simulated'; Splat = @{ Simulated = $false }; Message = 'simulated=true' }
        @{ Name = 'fallback not verified'; Splat = @{ FallbackVerified = $false }; Message = 'fallback' }
        @{ Name = 'recovery over the plan''s limit'; Splat = @{ RecoveryMinutes = 20 }; Message = 'recovery_minutes' }
        @{ Name = 'a limit above the plan''s'; Splat = @{ MaxRecoveryMinutes = 30 }; Message = 'must not exceed the rollback plan' }
    ) {
        foreach ($k in $Splat.Keys) { $rehearsal[$k] = $Splat[$k] }
        New-CavraRollbackRehearsal @rehearsal -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceInvalid,$Id"
        $errs[0].Exception.Message | Should -Match $Message
        Test-Path $path | Should -BeFalse
    }

    It 'parameter errors write nothing: <Name>' -ForEach @(
        @{ Name = 'negative minutes'; Splat = @{ RecoveryMinutes = -1 } }
        @{ Name = 'an unknown status'; Splat = @{ Status = 'ok' } }
        @{ Name = 'empty refs'; Splat = @{ EvidenceRef = @() } }
        @{ Name = 'an empty runbook'; Splat = @{ RunbookRef = '' } }
    ) {
        foreach ($k in $Splat.Keys) { $rehearsal[$k] = $Splat[$k] }
        { New-CavraRollbackRehearsal @rehearsal } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
        Test-Path $path | Should -BeFalse
    }

    It 'refuses to overwrite without -Force; -WhatIf writes nothing' {
        New-CavraRollbackRehearsal @rehearsal -WhatIf
        Test-Path $path | Should -BeFalse
        New-CavraRollbackRehearsal @rehearsal | Out-Null
        New-CavraRollbackRehearsal @rehearsal -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceFileExists,$Id"
        (New-CavraRollbackRehearsal @rehearsal -RecoveryMinutes 3 -Force).Summary.RecoveryMinutes | Should -Be 3
    }
}
