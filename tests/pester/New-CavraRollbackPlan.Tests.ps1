BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'AuthoringHelpers.psm1') -Force
    $script:Id = 'Cavra.PowerShell.Commands.NewCavraRollbackPlanCommand'
    $script:Example = Join-Path $PSScriptRoot '../../examples/evidence/cavra-runtime.go-backend-rollback-plan.json'
}
AfterAll { Set-CavraWriterCrashSeam }

Describe 'New-CavraRollbackPlan' {
    BeforeEach {
        $out = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $out | Out-Null
        $path = Join-Path $out 'plan.json'
        $plan = @{ Path = $path; ApprovalId = 'apr_rb'; Approved = $true; MaxRecoveryMinutes = 15; Step = 'Set CAVRA_GO_BACKEND_MODE=disabled.', 'Restart CAVRA.' }
    }
    AfterEach { Set-CavraWriterCrashSeam }

    It 'writes a valid plan in upstream key order with upstream''s control ids' {
        $p = New-CavraRollbackPlan @plan -EvidenceRef 'go-rollback-readiness://ci/ready'
        $p.Valid | Should -BeTrue
        $p.Summary.ControlsValid | Should -BeTrue
        $p.Summary.Approved | Should -BeTrue
        [IO.File]::ReadAllBytes($path)[0] | Should -Be ([byte][char]'{')
        $doc = Get-Content -Raw $path | ConvertFrom-Json
        $upstream = Get-Content -Raw $Example | ConvertFrom-Json
        $doc.PSObject.Properties.Name | Should -Be $upstream.PSObject.Properties.Name
        $doc.controls | Should -Be $upstream.controls
        $doc.status, $doc.target_mode, $doc.max_recovery_minutes | Should -Be @('ready', 'disabled', 15)
        $doc.rollback_steps | Should -Be $plan.Step
    }

    It 'accepts the .NET name of the fallback control' {
        $controls = 'dotnet-fallback-available', 'promoted-mode-disable-tested', 'rollback-approval-recorded', 'operator-runbook-linked', 'evidence-capture-enabled'
        (New-CavraRollbackPlan @plan -Control $controls).Valid | Should -BeTrue
    }

    It 'refuses a plan the gate would reject (EvidenceInvalid), naming every problem: <Name>' -ForEach @(
        @{ Name = 'a missing control'; Splat = @{ Control = 'python-fallback-available' }; Message = 'missing controls: .*evidence-capture-enabled' }
        @{ Name = 'a target mode other than disabled'; Splat = @{ TargetMode = 'shadow' }; Message = 'target_mode=disabled' }
    ) {
        New-CavraRollbackPlan @plan @Splat -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceInvalid,$Id"
        $errs[0].Exception.Message | Should -Match $Message
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'parameter errors write nothing: <Name>' -ForEach @(
        @{ Name = 'negative minutes'; Splat = @{ MaxRecoveryMinutes = -5 } }
        @{ Name = 'zero minutes'; Splat = @{ MaxRecoveryMinutes = 0 } }
        @{ Name = 'no steps'; Splat = @{ Step = @() } }
        @{ Name = 'an empty step'; Splat = @{ Step = @('a', '') } }
        @{ Name = 'empty refs'; Splat = @{ EvidenceRef = @() } }
        @{ Name = 'an empty approval id'; Splat = @{ ApprovalId = '' } }
        @{ Name = 'an unknown target mode'; Splat = @{ TargetMode = 'off' } }
    ) {
        foreach ($k in $Splat.Keys) { $plan[$k] = $Splat[$k] }
        { New-CavraRollbackPlan @plan } | Should -Throw -ErrorId "ParameterArgumentValidationError,$Id"
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'warns when the plan is not approved' {
        $plan.Remove('Approved')
        $p = New-CavraRollbackPlan @plan -WarningVariable w -WarningAction SilentlyContinue
        $p.Valid | Should -BeTrue
        "$w" | Should -Match 'not approved'
    }

    It 'refuses to overwrite without -Force, replaces with -Force' {
        New-CavraRollbackPlan @plan | Out-Null
        $plan.ApprovalId = 'two'
        New-CavraRollbackPlan @plan -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceFileExists,$Id"
        (Get-Content -Raw $path | ConvertFrom-Json).approval_id | Should -Be 'apr_rb'
        New-CavraRollbackPlan @plan -Force | Out-Null
        (Get-Content -Raw $path | ConvertFrom-Json).approval_id | Should -Be 'two'
    }

    It '-WhatIf writes nothing' {
        New-CavraRollbackPlan @plan -WhatIf
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'a write that fails after the temporary file leaves the old plan and no temporary file' {
        New-CavraRollbackPlan @plan | Out-Null
        $before = [IO.File]::ReadAllBytes($path)
        Set-CavraWriterCrashSeam -FailWithIOException
        New-CavraRollbackPlan @plan -ApprovalId other -Force -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Set-CavraWriterCrashSeam
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceWriteFailed,$Id"
        [IO.File]::ReadAllBytes($path) | Should -Be $before
        @(Get-ChildItem -Force $out) | Should -HaveCount 1
    }
}
