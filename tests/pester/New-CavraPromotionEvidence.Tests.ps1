BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'AuthoringHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:Id = 'Cavra.PowerShell.Commands.NewCavraPromotionEvidenceCommand'
}
AfterAll {
    Set-CavraWriterCrashSeam
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'New-CavraPromotionEvidence' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        $out = Join-Path $dir 'authored'
        New-Item -ItemType Directory -Path $out | Out-Null
        $path = Join-Path $out 'promotion.json'
        $evidence = @{ Path = $path; ParityStatus = 'pass'; DeploymentStatus = 'ready'; Approved = $true; ApprovalId = 'apr_1'
            EvidenceRef = 'go-runtime-parity://ci/1', 'go-deployment-readiness://ci/ready'; RuntimePath = $gate.RuntimePath; PolicyPath = $gate.PolicyPath }
    }
    AfterEach { Set-CavraWriterCrashSeam }

    It 'writes hash-bound, expiring evidence: BOM-less UTF-8, upstream key order, then the binding fields' {
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
        $p = New-CavraPromotionEvidence @evidence
        $p.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Authoring.AuthoredEvidence'
        $p.Path | Should -Be $path
        $p.Valid | Should -BeTrue
        $p.SchemaVersion | Should -Be 'cavra.go-backend-promotion-evidence.v1'
        $p.Summary.Approved | Should -BeTrue

        $bytes = [IO.File]::ReadAllBytes($path)
        $bytes[0] | Should -Be ([byte][char]'{')
        $doc = [Text.UTF8Encoding]::new($false, $true).GetString($bytes) | ConvertFrom-Json -DateKind String
        $doc.PSObject.Properties.Name | Should -Be @('schema_version', 'parity_status', 'deployment_status', 'approved', 'approval_id', 'evidence_refs',
            'generated_at', 'expires_at', 'runtime_sha256', 'policy_sha256')
        $doc.runtime_sha256 | Should -BeExactly (Get-FileHash $gate.RuntimePath -Algorithm SHA256).Hash.ToLowerInvariant()
        $doc.policy_sha256 | Should -BeExactly (Get-FileHash $gate.PolicyPath -Algorithm SHA256).Hash.ToLowerInvariant()
        $generated = [DateTimeOffset]::Parse($doc.generated_at)
        $generated | Should -BeGreaterOrEqual $before
        ([DateTimeOffset]::Parse($doc.expires_at) - $generated).TotalDays | Should -Be 30
        $doc.generated_at | Should -Match '\+00:00$'
    }

    It 'binds to CAVRA_GO_RUNTIME_PATH and CAVRA_GO_RUNTIME_POLICY by default' {
        $env:CAVRA_GO_RUNTIME_PATH = $gate.RuntimePath
        $env:CAVRA_GO_RUNTIME_POLICY = $gate.PolicyPath
        $evidence.Remove('RuntimePath'); $evidence.Remove('PolicyPath')
        New-CavraPromotionEvidence @evidence | Out-Null
        (Get-Content -Raw $path | ConvertFrom-Json).runtime_sha256 | Should -Be (Get-FileHash $gate.RuntimePath -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It '-ExpiresAt takes ISO text (UTC when no offset) and -ValidFor a duration' {
        New-CavraPromotionEvidence @evidence -ExpiresAt '2099-12-01T18:00:00' | Out-Null
        (Get-Content -Raw $path | ConvertFrom-Json -DateKind String).expires_at | Should -Be '2099-12-01T18:00:00+00:00'
        New-CavraPromotionEvidence @evidence -ValidFor ([TimeSpan]::FromHours(4)) -Force | Out-Null
        $doc = Get-Content -Raw $path | ConvertFrom-Json -DateKind String
        ([DateTimeOffset]::Parse($doc.expires_at) - [DateTimeOffset]::Parse($doc.generated_at)).TotalHours | Should -Be 4
    }

    It 'the gate rejects the evidence once the runtime binary changes' {
        $p = New-CavraPromotionEvidence @evidence
        Add-Content -Path $gate.RuntimePath -Value 'tampered'
        $gate.PromotionEvidencePath = $p.Path
        $v = Test-CavraGoPromotion @gate
        $v.FailedStep | Should -Be 'Promotion'
        ($v.BlockingChecks | Where-Object Id -eq 'go_parity_evidence').Message | Should -Match 'different runtime binary'
    }

    It 'warns when the evidence is not approved, or approved without an id' {
        $evidence.Remove('Approved')
        New-CavraPromotionEvidence @evidence -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        "$w" | Should -Match 'not approved'
        $evidence.Remove('ApprovalId')
        New-CavraPromotionEvidence @evidence -Approved -Force -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        "$w" | Should -Match 'without an approval id'
        (Get-Content -Raw $path | ConvertFrom-Json).PSObject.Properties.Name | Should -Not -Contain 'approval_id'
    }

    It 'refuses evidence the gate would reject (EvidenceInvalid), writing nothing: <Name>' -ForEach @(
        @{ Name = 'parity fail'; Splat = @{ ParityStatus = 'fail' }; Message = 'parity_status=pass' }
        @{ Name = 'deployment not ready'; Splat = @{ DeploymentStatus = 'not_ready' }; Message = 'deployment_status=ready' }
        @{ Name = 'an expiry in the past'; Splat = @{ ExpiresAt = '2020-01-01T00:00:00Z' }; Message = 'has expired' }
    ) {
        foreach ($k in $Splat.Keys) { $evidence[$k] = $Splat[$k] }
        New-CavraPromotionEvidence @evidence -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceInvalid,$Id"
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].Exception.Message | Should -Match $Message
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'parameter errors write nothing: <Name> is <ErrorId>' -ForEach @(
        @{ Name = 'unknown parity status'; Splat = @{ ParityStatus = 'passed' }; ErrorId = 'ParameterArgumentValidationError' }
        @{ Name = 'unknown deployment status'; Splat = @{ DeploymentStatus = 'Ready!' }; ErrorId = 'ParameterArgumentValidationError' }
        @{ Name = 'empty refs'; Splat = @{ EvidenceRef = @() }; ErrorId = 'ParameterArgumentValidationError' }
        @{ Name = 'an empty ref'; Splat = @{ EvidenceRef = @('a', '') }; ErrorId = 'ParameterArgumentValidationError' }
        @{ Name = 'unparseable expiry'; Splat = @{ ExpiresAt = 'next friday' }; ErrorId = 'ParameterArgumentTransformationError' }
        @{ Name = 'both expiry forms'; Splat = @{ ExpiresAt = '2099-01-01'; ValidFor = '1.00:00:00' }; ErrorId = 'AmbiguousParameterSet' }
    ) {
        foreach ($k in $Splat.Keys) { $evidence[$k] = $Splat[$k] }
        { New-CavraPromotionEvidence @evidence } | Should -Throw -ErrorId "$ErrorId,$Id"
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'a non-positive -ValidFor is InvalidValidFor' {
        New-CavraPromotionEvidence @evidence -ValidFor ([TimeSpan]::FromHours(-1)) -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "InvalidValidFor,$Id"
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'requires the bound runtime and policy to exist (BoundFileNotFound)' {
        $evidence.Remove('RuntimePath'); $evidence.Remove('PolicyPath')
        New-CavraPromotionEvidence @evidence -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "BoundFileNotFound,$Id"
        $errs[0].Exception.Message | Should -Match 'the runtime binary is not configured \(CAVRA_GO_RUNTIME_PATH\)'
        $evidence.RuntimePath = $gate.RuntimePath
        $evidence.PolicyPath = Join-Path $dir 'missing-policy.json'
        New-CavraPromotionEvidence @evidence -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].Exception.Message | Should -BeLike "*the compiled policy '$($evidence.PolicyPath)' cannot be read*"
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite without -Force (EvidenceFileExists), replaces with -Force' {
        New-CavraPromotionEvidence @evidence | Out-Null
        $before = [IO.File]::ReadAllBytes($path)
        $evidence.ApprovalId = 'apr_2'
        New-CavraPromotionEvidence @evidence -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceFileExists,$Id"
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        [IO.File]::ReadAllBytes($path) | Should -Be $before
        (New-CavraPromotionEvidence @evidence -Force).Summary.ApprovalId | Should -Be 'apr_2'
        (Get-Content -Raw $path | ConvertFrom-Json).approval_id | Should -Be 'apr_2'
    }

    It '-WhatIf writes nothing; a directory is EvidencePathIsDirectory' {
        New-CavraPromotionEvidence @evidence -WhatIf
        Get-ChildItem -Force $out | Should -BeNullOrEmpty
        $evidence.Path = $out
        New-CavraPromotionEvidence @evidence -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidencePathIsDirectory,$Id"
    }

    It 'a write that fails after the temporary file leaves the old file (EvidenceWriteFailed) and no temporary file' {
        New-CavraPromotionEvidence @evidence | Out-Null
        $before = [IO.File]::ReadAllBytes($path)
        Set-CavraWriterCrashSeam -FailWithIOException
        New-CavraPromotionEvidence @evidence -Force -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Set-CavraWriterCrashSeam
        $errs[0].FullyQualifiedErrorId | Should -Be "EvidenceWriteFailed,$Id"
        [IO.File]::ReadAllBytes($path) | Should -Be $before
        @(Get-ChildItem -Force $out) | Should -HaveCount 1
    }

    It 'narrates the binding with -Verbose and has a table view' {
        $p = New-CavraPromotionEvidence @evidence -Verbose 4>&1
        $verbose = $p | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        "$verbose" | Should -Match 'Bound to runtime .* \(sha256 [0-9a-f]{64}\)'
        "$verbose" | Should -Match 'Wrote promotion evidence'
        $table = $p | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Format-Table | Out-String -Width 250
        $table | Should -Match 'SchemaVersion\s+Valid\s+Path'
        $table | Should -Match 'cavra.go-backend-promotion-evidence.v1\s+True'
    }
}
