BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue | ForEach-Object { @{ Name = $_.Name; Value = $_.Value } }
    Clear-CavraEnvironment
    function Get-Bytes([string] $Path) { [IO.File]::ReadAllBytes($Path) }
}
AfterAll {
    Clear-CavraEnvironment
    foreach ($v in $script:savedEnv) { Set-Item "env:$($v.Name)" $v.Value }
}

Describe 'Evidence authoring' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        $out = Join-Path $dir 'authored'
        New-Item -ItemType Directory -Path $out | Out-Null
        $drill = @{ Status = 'pass'; FallbackVerified = $true; RecoveryMinutes = 6; MaxRecoveryMinutes = 15; RunbookRef = 'docs/rollback.md'; EvidenceRef = 'go-rollback-drill://ci/1' }
    }

    Context 'a full set written by the cmdlets' {
        It 'passes every validator and makes Test-CavraGoPromotion select Go' {
            $p = New-CavraPromotionEvidence -Path (Join-Path $out 'promotion.json') -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId apr_1 `
                -EvidenceRef 'go-runtime-parity://ci/1' -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath
            $plan = New-CavraRollbackPlan -Path (Join-Path $out 'plan.json') -ApprovalId apr_rb -Approved -MaxRecoveryMinutes 15 -Step 'Set CAVRA_GO_BACKEND_MODE=disabled.'
            $rehearsal = New-CavraRollbackRehearsal -Path (Join-Path $out 'rehearsal.json') -RollbackPlanPath $plan.Path -Status pass -Simulated -FallbackVerified `
                -RecoveryMinutes 6 -RunbookRef docs/rehearsal.md -EvidenceRef 'go-rollback-rehearsal://ci/1'
            $recorded = Add-CavraRollbackDrill -Path (Join-Path $out 'drills.json') @drill -Environment production-pilot
            $p.Valid, $plan.Valid, $rehearsal.Valid, $recorded.History.Valid, $recorded.History.Fresh | Should -Be @($true, $true, $true, $true, $true)

            $gate.PromotionEvidencePath = $p.Path
            $gate.RollbackPlanPath = $plan.Path
            $gate.RollbackRehearsalPath = $rehearsal.Path
            $gate.RollbackDrillHistoryPath = $recorded.Path
            $v = Test-CavraGoPromotion @gate
            $v.AttentionChecks | ForEach-Object { "$($_.Id): $($_.Message)" } | Should -BeNullOrEmpty
            $v.GoSelected | Should -BeTrue
        }

        It 'writes UTF-8 without BOM, in upstream key order, readable as JSON' {
            $p = New-CavraPromotionEvidence -Path (Join-Path $out 'promotion.json') -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId apr_1 `
                -EvidenceRef a, b -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath
            $bytes = Get-Bytes $p.Path
            $bytes[0] | Should -Be ([byte][char]'{')
            $doc = Get-Content -Raw $p.Path | ConvertFrom-Json
            $doc.PSObject.Properties.Name | Should -Be @('schema_version', 'parity_status', 'deployment_status', 'approved', 'approval_id', 'evidence_refs',
                'generated_at', 'expires_at', 'runtime_sha256', 'policy_sha256')
            $doc.runtime_sha256 | Should -Be (Get-FileHash $gate.RuntimePath -Algorithm SHA256).Hash.ToLowerInvariant()
            $doc.policy_sha256 | Should -Be (Get-FileHash $gate.PolicyPath -Algorithm SHA256).Hash.ToLowerInvariant()
        }

        It 'binds the evidence: a changed runtime binary invalidates it' {
            $p = New-CavraPromotionEvidence -Path (Join-Path $out 'promotion.json') -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId apr_1 `
                -EvidenceRef a -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath
            Add-Content -Path $gate.RuntimePath -Value 'tampered'
            $gate.PromotionEvidencePath = $p.Path
            $v = Test-CavraGoPromotion @gate
            $v.FailedStep | Should -Be 'Promotion'
            ($v.BlockingChecks | Where-Object Id -eq 'go_parity_evidence').Message | Should -Match 'different runtime binary'
        }
    }

    Context 'safety' {
        It 'refuses to overwrite without -Force, and replaces with -Force' {
            $path = Join-Path $out 'plan.json'
            New-CavraRollbackPlan -Path $path -ApprovalId one -Approved -MaxRecoveryMinutes 15 -Step s | Out-Null
            $r = New-CavraRollbackPlan -Path $path -ApprovalId two -Approved -MaxRecoveryMinutes 15 -Step s -ErrorVariable errs -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'EvidenceFileExists,Cavra.PowerShell.Commands.NewCavraRollbackPlanCommand'
            (Get-Content -Raw $path | ConvertFrom-Json).approval_id | Should -Be 'one'
            New-CavraRollbackPlan -Path $path -ApprovalId two -Approved -MaxRecoveryMinutes 15 -Step s -Force | Out-Null
            (Get-Content -Raw $path | ConvertFrom-Json).approval_id | Should -Be 'two'
        }

        It '-WhatIf writes nothing' {
            New-CavraRollbackPlan -Path (Join-Path $out 'plan.json') -ApprovalId a -MaxRecoveryMinutes 15 -Step s -WhatIf
            Add-CavraRollbackDrill -Path (Join-Path $out 'drills.json') @drill -WhatIf
            Get-ChildItem $out | Should -BeNullOrEmpty
        }

        It 'never appends to an invalid history and leaves it untouched' {
            $path = Join-Path $out 'drills.json'
            Set-Content -Path $path -Value '{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": "oops"}' -NoNewline
            $before = Get-Bytes $path
            Add-CavraRollbackDrill -Path $path @drill -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'DrillHistoryInvalid,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            Get-Bytes $path | Should -Be $before
        }

        It 'rejects evidence the gate would reject, writing nothing' {
            $path = Join-Path $out 'promotion.json'
            New-CavraPromotionEvidence -Path $path -ParityStatus fail -DeploymentStatus ready -EvidenceRef a -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -Be 'EvidenceInvalid,Cavra.PowerShell.Commands.NewCavraPromotionEvidenceCommand'
            $errs[0].Exception.Message | Should -Match 'parity_status=pass'
            Test-Path $path | Should -BeFalse
        }

        It 'requires the bound runtime and policy to exist' {
            New-CavraPromotionEvidence -Path (Join-Path $out 'p.json') -ParityStatus pass -DeploymentStatus ready -EvidenceRef a -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -Be 'BoundFileNotFound,Cavra.PowerShell.Commands.NewCavraPromotionEvidenceCommand'
        }

        It 'turns bad parameters into parameter errors: <Name>' -ForEach @(
            @{ Name = 'negative minutes'; Call = { Add-CavraRollbackDrill -Path x.json -Status pass -RecoveryMinutes -1 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'empty refs'; Call = { Add-CavraRollbackDrill -Path x.json -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef @() }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'unknown status'; Call = { Add-CavraRollbackDrill -Path x.json -Status ok -RecoveryMinutes 1 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'unparseable date'; Call = { Add-CavraRollbackDrill -Path x.json -ExecutedAt 'last tuesday-ish' -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e }; Id = 'CannotConvertArgumentNoMessage' }
            @{ Name = 'empty runbook'; Call = { New-CavraRollbackRehearsal -Path x.json -RollbackPlanPath p.json -Status pass -RecoveryMinutes 1 -RunbookRef '' -EvidenceRef e }; Id = 'ParameterArgumentValidationError' }
        ) {
            Push-Location $out
            try { { & $Call } | Should -Throw -ErrorId "$Id,*" }
            finally { Pop-Location }
            Get-ChildItem $out | Should -BeNullOrEmpty
        }
    }

    Context 'drills' {
        It 'imports a list of drills from the pipeline by property name' {
            $path = Join-Path $out 'drills.json'
            $now = [DateTimeOffset]::UtcNow
            $rows = 1..3 | ForEach-Object {
                [pscustomobject]@{ drill_id = "drill_$_"; executed_at = $now.AddDays(-$_); status = 'pass'; target_mode = 'disabled'; fallback_verified = $true
                    recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'docs/r.md'; evidence_refs = @("ref://$_") }
            }
            $r = $rows | Add-CavraRollbackDrill -Path $path
            $r | Should -HaveCount 3
            $r[-1].History.DrillCount | Should -Be 3
            $r[-1].History.LatestDrillId | Should -Be 'drill_1'
            (Get-Content -Raw $path | ConvertFrom-Json).drills.drill_id | Should -Be @('drill_1', 'drill_2', 'drill_3')
        }

        It 'reports a failed drill in the history summary instead of refusing it' {
            $drill.Status = 'fail'
            $r = Add-CavraRollbackDrill -Path (Join-Path $out 'drills.json') @drill
            $r.History.Valid | Should -BeFalse
            $r.History.LatestStatus | Should -Be 'fail'
        }

        It '20 processes appending 5 drills each leave exactly 100 drills' {
            $path = Join-Path $out 'drills.json'
            $script = "Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; 1..5 | ForEach-Object { Add-CavraRollbackDrill -Path '$path' -Status pass -FallbackVerified -RecoveryMinutes 5 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e -ErrorAction Stop | Out-Null }"
            $host_ = [Environment]::ProcessPath
            $arguments = if ((Split-Path -Leaf $host_) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-Command', $script) } else { @('-NoProfile', '-Command', $script) }
            $procs = 1..20 | ForEach-Object { Start-Process -FilePath $host_ -ArgumentList $arguments -PassThru -RedirectStandardError (Join-Path $out "err$_.txt") }
            $procs | Wait-Process -Timeout 180
            $procs | ForEach-Object { $_.ExitCode | Should -Be 0 }
            $doc = Get-Content -Raw $path | ConvertFrom-Json
            $doc.drills | Should -HaveCount 100
            @($doc.drills.drill_id | Sort-Object -Unique) | Should -HaveCount 100
        }
    }
}
