# Issue 17 at the cmdlet surface: special files, non-FileSystem paths, endless inputs. Anything that used to hang runs in
# a child pwsh with a hard deadline (Invoke-CavraChildPwsh kills it and fails the test), never in this process.
BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'AuthoringHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    function New-Fifo([string] $Path) { & mkfifo $Path; if ($LASTEXITCODE -ne 0) { throw "mkfifo $Path failed" }; $Path }
    $script:Unix = -not $IsWindows
}

Describe 'Special files at input paths' -Skip:$IsWindows {
    BeforeAll {
        $script:gate = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'gate')
        $script:fifo = New-Fifo (Join-Path $TestDrive 'plan.fifo')
    }

    It 'Test-CavraGoPromotion -Quiet with a FIFO rollback plan returns false instead of hanging' {
        $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; `$g = Get-Content -Raw '$TestDrive/gate.json' | ConvertFrom-Json -AsHashtable; " +
            "`$g.RollbackPlanPath = '$fifo'; Test-CavraGoPromotion @g -Quiet"
        $gate | ConvertTo-Json | Set-Content (Join-Path $TestDrive 'gate.json')
        $r = Invoke-CavraChildPwsh -Command $command -TimeoutSeconds 60
        $r.Error | Should -BeNullOrEmpty
        $r.Output.Trim() | Should -Be 'False'
    }

    It 'names the FIFO in the rollback step''s check message' {
        $g = $gate.Clone(); $g.RollbackPlanPath = $fifo
        $json = Test-CavraGoPromotion @g -AsJson   # in-process: the open itself cannot block any more
        $json | Should -Match 'metadata file is not a regular file: FIFO'
    }

    It 'Add-CavraRollbackDrill to a FIFO history fails closed instead of hanging' {
        $history = New-Fifo (Join-Path $TestDrive 'drills.fifo')
        $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; " +
            "Add-CavraRollbackDrill -Path '$history' -Status pass -FallbackVerified -RecoveryMinutes 5 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e -ErrorVariable e -ErrorAction SilentlyContinue; " +
            "`$e[0].FullyQualifiedErrorId"
        $r = Invoke-CavraChildPwsh -Command $command -TimeoutSeconds 60
        $r.Output.Trim() | Should -BeLike 'DrillHistoryInvalid,*'
    }

    It 'a promotion evidence bound to runtime_sha256 with -RuntimePath /dev/zero fails closed in bounded time' {
        $evidence = Join-Path $TestDrive 'bound.json'
        New-CavraPromotionEvidence -Path $evidence -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId apr -EvidenceRef x -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath | Out-Null
        $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; " +
            "(Get-CavraGoReadinessReport Promotion -Mode Promoted -RuntimePath /dev/zero -PolicyPath '$($gate.PolicyPath)' -PromotionEvidencePath '$evidence' -PackageDir '$($gate.PackageDir)' -AsJson)"
        $r = Invoke-CavraChildPwsh -Command $command -TimeoutSeconds 60
        $r.Output | Should -Match 'runtime_sha256 cannot be verified'
    }
}

Describe 'Writers and special files' -Skip:$IsWindows {
    BeforeEach {
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $dir | Out-Null
        $plan = @{ ApprovalId = 'apr_rb'; Approved = $true; MaxRecoveryMinutes = 15; Step = 'Set CAVRA_GO_BACKEND_MODE=disabled.' }
    }

    It 'New-CavraRollbackPlan -Force refuses to replace a <Kind> (EvidencePathNotRegularFile) and leaves it as it was' -ForEach @(
        @{ Kind = 'FIFO' }
        @{ Kind = 'symbolic link' }
        @{ Kind = 'character device' }
    ) {
        $target = Join-Path $dir 'plan.json'
        switch ($Kind) {
            'FIFO' { New-Fifo $target | Out-Null }
            'symbolic link' { 'original' | Set-Content (Join-Path $dir 'real.json'); New-Item -ItemType SymbolicLink -Path $target -Target (Join-Path $dir 'real.json') | Out-Null }
            'character device' { & mknod $target c 1 3 2>$null; if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mknod needs root'; return } }
        }
        $before = (Get-Item -Force $target).UnixMode
        New-CavraRollbackPlan -Path $target @plan -Force -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'EvidencePathNotRegularFile,Cavra.PowerShell.Commands.NewCavraRollbackPlanCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($Kind))
        (Get-Item -Force $target).UnixMode | Should -Be $before
        if ($Kind -eq 'symbolic link') { Get-Content (Join-Path $dir 'real.json') | Should -Be 'original' }
    }

    It 'Export-CavraReadinessReport -Force refuses a FIFO (ReportPathNotRegularFile) without blocking' {
        $target = New-Fifo (Join-Path $dir 'report.html')
        $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; Export-CavraReadinessReport -Path '$target' -Force -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId"
        $r = Invoke-CavraChildPwsh -Command $command -TimeoutSeconds 60
        $r.Output.Trim() | Should -Be 'ReportPathNotRegularFile,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
    }
}

Describe 'Only FileSystem paths' {
    It '<Command> -Path <Path> is refused (PathNotFileSystem, InvalidArgument) and writes nothing anywhere' -ForEach @(
        @{ Command = 'New-CavraRollbackPlan'; Path = 'Env:CAVRA_PLAN'; Splat = @{ ApprovalId = 'a'; Approved = $true; MaxRecoveryMinutes = 15; Step = 's' } }
        @{ Command = 'New-CavraRollbackPlan'; Path = 'function:CAVRA_PLAN'; Splat = @{ ApprovalId = 'a'; Approved = $true; MaxRecoveryMinutes = 15; Step = 's' } }
        @{ Command = 'Add-CavraRollbackDrill'; Path = 'Env:CAVRA_PLAN'; Splat = @{ Status = 'pass'; FallbackVerified = $true; RecoveryMinutes = 5; MaxRecoveryMinutes = 15; RunbookRef = 'r'; EvidenceRef = 'e' } }
        @{ Command = 'Export-CavraReadinessReport'; Path = 'Env:CAVRA_PLAN'; Splat = @{} }
    ) {
        $processDir = [IO.Directory]::GetCurrentDirectory()
        $leaf = Split-Path -Leaf ($Path -replace '^\w+:', '')
        { & $Command -Path $Path @Splat -ErrorAction Stop } | Should -Throw -ErrorId "PathNotFileSystem,*"
        Test-Path -LiteralPath (Join-Path $processDir $leaf) | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $processDir "$leaf.lock") | Should -BeFalse
        Test-Path -LiteralPath (Join-Path (Get-Location).ProviderPath $leaf) | Should -BeFalse
    }

    It 'a configuration path on another provider is refused too' {
        { Test-CavraGoPromotion -RollbackPlanPath 'Env:PATH' -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFileSystem,*'
    }

    It 'relative paths resolve against PowerShell''s location, not the process directory' {
        $here = Join-Path $TestDrive 'relative'
        New-Item -ItemType Directory -Path $here | Out-Null
        Push-Location $here
        try {
            New-CavraRollbackPlan -Path 'rel-plan.json' -ApprovalId a -Approved -MaxRecoveryMinutes 15 -Step s | Out-Null
            Test-Path (Join-Path $here 'rel-plan.json') | Should -BeTrue
        }
        finally { Pop-Location }
    }
}

Describe 'Values and limits' {
    It 'New-CavraPromotionEvidence -ValidFor <Value> is InvalidValidFor, not an unhandled exception' -ForEach @(
        @{ Value = [TimeSpan]::MaxValue }
        @{ Value = [TimeSpan]::FromDays(3000000) }
    ) {
        $path = Join-Path $TestDrive "too-long-$([guid]::NewGuid()).json"
        New-CavraPromotionEvidence -Path $path -ParityStatus pass -DeploymentStatus ready -Approved -ApprovalId a -EvidenceRef x -ValidFor $Value -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidValidFor,Cavra.PowerShell.Commands.NewCavraPromotionEvidenceCommand'
        Test-Path $path | Should -BeFalse
    }

    It 'Add-CavraRollbackDrill -Status PASS is written as "pass", and the gate reads it as a passing drill' {
        $path = Join-Path $TestDrive "case-$([guid]::NewGuid()).json"
        $d = Add-CavraRollbackDrill -Path $path -Status PASS -TargetMode DISABLED -FallbackVerified -RecoveryMinutes 5 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e
        $d.Status | Should -BeExactly 'pass'
        (Get-Content -Raw $path | ConvertFrom-Json).drills[0].status | Should -BeExactly 'pass'
        (Get-Content -Raw $path | ConvertFrom-Json).drills[0].target_mode | Should -BeExactly 'disabled'
        $d.History.Valid | Should -BeTrue
    }

    Context 'a history at the size the gate reads' {
        BeforeEach {
            $path = Join-Path $TestDrive "full-$([guid]::NewGuid()).json"
            $at = [DateTimeOffset]::UtcNow.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
            $sb = [Text.StringBuilder]::new('{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": [')
            $i = 0
            while ($sb.Length -lt (1MB - 600)) {
                if ($i) { [void] $sb.Append(', ') }
                [void] $sb.Append("{""drill_id"": ""old-$i"", ""executed_at"": ""$at"", ""target_mode"": ""disabled"", ""status"": ""pass"", ""fallback_verified"": true, ""recovery_minutes"": 5, ""max_recovery_minutes"": 15, ""runbook_ref"": ""r"", ""evidence_refs"": [""e""]}")
                $i++
            }
            [void] $sb.Append(']}')
            [IO.File]::WriteAllText($path, $sb.ToString())
            $drill = @{ Status = 'pass'; FallbackVerified = $true; RecoveryMinutes = 5; MaxRecoveryMinutes = 15; RunbookRef = 'r'; EvidenceRef = 'e' }
        }

        It 'refuses the append (DrillHistoryFull) and leaves the file as it was' {
            $before = Get-FileHash $path
            Add-CavraRollbackDrill -Path $path @drill -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'DrillHistoryFull,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            $err[0].Exception.Message | Should -Match '-ArchivePath'
            (Get-FileHash $path).Hash | Should -Be $before.Hash
        }

        It 'with -ArchivePath moves the oldest drills to a dated archive and appends' {
            $archive = Join-Path $TestDrive "archive-$([guid]::NewGuid())"
            $d = Add-CavraRollbackDrill -Path $path @drill -ArchivePath $archive
            $d.ArchivedDrills | Should -BeGreaterThan 0
            $d.ArchivePath | Should -BeLike (Join-Path $archive '*.json')
            (Get-Item $path).Length | Should -BeLessThan 1MB
            $d.History.Valid | Should -BeTrue
        }
    }
}
