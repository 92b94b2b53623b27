BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'AuthoringHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:Schema = 'cavra.go-backend-rollback-drill-history.v1'
    function Read-History([string] $Path) { Get-Content -Raw $Path | ConvertFrom-Json -DateKind String }
}
AfterAll {
    Set-CavraWriterCrashSeam
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Add-CavraRollbackDrill' {
    BeforeEach {
        Clear-CavraEnvironment
        $out = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $out | Out-Null
        $path = Join-Path $out 'drills.json'
        $drill = @{ Status = 'pass'; FallbackVerified = $true; RecoveryMinutes = 6; MaxRecoveryMinutes = 15; RunbookRef = 'docs/rollback.md'; EvidenceRef = 'go-rollback-drill://ci/1' }
    }
    AfterEach { Set-CavraWriterCrashSeam }

    Context 'writing' {
        It 'creates the history: BOM-less UTF-8, upstream key order, valid and fresh' {
            $r = Add-CavraRollbackDrill -Path $path @drill -Actor release-agent -Environment production-pilot
            $r.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Authoring.RecordedDrill'
            $r.Path | Should -Be $path
            $r.DrillId | Should -Match '^drill_[0-9a-f]{12}$'
            $r.History.Valid, $r.History.Fresh, $r.History.DrillCount | Should -Be @($true, $true, 1)
            $r.History.LatestDrillId | Should -Be $r.DrillId

            $bytes = [IO.File]::ReadAllBytes($path)
            $bytes[0] | Should -Be ([byte][char]'{')
            $bytes[-1] | Should -Be 10
            $text = [Text.UTF8Encoding]::new($false, $true).GetString($bytes)
            $doc = $text | ConvertFrom-Json -DateKind String
            $doc.PSObject.Properties.Name | Should -Be @('schema_version', 'environment', 'drills')
            $doc.schema_version | Should -Be $Schema
            $doc.drills[0].PSObject.Properties.Name | Should -Be @('drill_id', 'executed_at', 'actor', 'source_mode', 'target_mode', 'status',
                'fallback_verified', 'recovery_minutes', 'max_recovery_minutes', 'runbook_ref', 'evidence_refs')
            $doc.drills[0].executed_at | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$'
            $text | Should -Match '"recovery_minutes": 6,'
        }

        It 'appends, keeps earlier drills, and reports the history the gate now sees' {
            $first = Add-CavraRollbackDrill -Path $path @drill -DrillId d1 -ExecutedAt ([DateTimeOffset]::UtcNow.AddDays(-2))
            $second = Add-CavraRollbackDrill -Path $path @drill -DrillId d2
            $second.History.DrillCount | Should -Be 2
            $second.History.LatestDrillId | Should -Be 'd2'
            (Read-History $path).drills.drill_id | Should -Be @('d1', 'd2')
            $first.History.AgeDays | Should -BeGreaterThan 1.9
        }

        It 'records a failed drill and reports it in the summary instead of refusing it' {
            $drill.Status = 'fail'
            $r = Add-CavraRollbackDrill -Path $path @drill -TargetMode shadow
            $r.History.Valid | Should -BeFalse
            $r.History.LatestStatus | Should -Be 'fail'
            $r.History.LatestTargetMode | Should -Be 'shadow'
            (Read-History $path).drills | Should -HaveCount 1
        }

        It 'reads offset-less timestamps as UTC, as the gate does, whatever the session time zone' -Skip:$IsWindows {
            $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; " +
                "Add-CavraRollbackDrill -Path '$path' -DrillId a -ExecutedAt '2026-11-20T10:00:00' -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 2 -RunbookRef r -EvidenceRef e | Out-Null; " +
                "Add-CavraRollbackDrill -Path '$path' -DrillId b -ExecutedAt ([datetime]'2026-11-21T10:00:00') -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 2 -RunbookRef r -EvidenceRef e | Out-Null; " +
                "Add-CavraRollbackDrill -Path '$path' -DrillId c -ExecutedAt ([datetime]::new(2026, 11, 22, 15, 30, 0, [DateTimeKind]::Local)) -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 2 -RunbookRef r -EvidenceRef e | Out-Null"
            $r = Invoke-CavraChildPwsh -Command $command -Environment @{ TZ = 'Asia/Kolkata' }
            $r.Error | Should -BeNullOrEmpty
            (Read-History $path).drills.executed_at | Should -Be @('2026-11-20T10:00:00+00:00', '2026-11-21T10:00:00+00:00', '2026-11-22T10:00:00+00:00')
        }

        It 'narrates with -Verbose' {
            $v = Add-CavraRollbackDrill -Path $path @drill -DrillId d1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            "$v" | Should -Match 'Appended d1 to .*: 1 drills; latest d1 \(pass\); history valid=True, fresh=True'
        }

        It 'has a table view' {
            $r = Add-CavraRollbackDrill -Path $path @drill -DrillId d1
            $table = $r | Format-Table | Out-String -Width 250
            $table | Should -Match 'DrillId\s+Status\s+Drills\s+Fresh\s+Path'
            $table | Should -Match 'd1\s+pass'
        }

        It 'keeps the drill and its history summary through Export-Clixml, with the same view' {
            $file = Join-Path $out 'drill.clixml'
            Add-CavraRollbackDrill -Path $path @drill -DrillId d1 | Export-Clixml -Path $file
            $r = Import-Clixml -Path $file
            $r.PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Authoring.RecordedDrill'
            $r.DrillId, $r.History.DrillCount, $r.History.Valid | Should -Be @('d1', 1, $true)
            ($r | Format-Table | Out-String -Width 250) | Should -Match 'd1\s+pass\s+1\s+True'
        }

        It 'uses -RollbackDrillMaxAgeDays, then CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS, for freshness' {
            $old = [DateTimeOffset]::UtcNow.AddDays(-10)
            (Add-CavraRollbackDrill -Path $path @drill -DrillId d1 -ExecutedAt $old).History.Fresh | Should -BeTrue
            $env:CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS = '5'
            (Add-CavraRollbackDrill -Path $path @drill -DrillId d2 -ExecutedAt $old).History.Fresh | Should -BeFalse
            (Add-CavraRollbackDrill -Path $path @drill -DrillId d3 -ExecutedAt $old -RollbackDrillMaxAgeDays 30).History.Fresh | Should -BeTrue
        }
    }

    Context 'pipeline import' {
        It 'binds drill records by property name, snake_case or PascalCase' {
            $now = [DateTimeOffset]::UtcNow
            $rows = @(
                [pscustomobject]@{ drill_id = 'drill_3'; executed_at = $now.AddDays(-3); status = 'pass'; target_mode = 'disabled'; fallback_verified = $true
                    recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'docs/r.md'; evidence_refs = @('ref://3'); Actor = 'ops' }
                [pscustomobject]@{ DrillId = 'drill_2'; ExecutedAt = $now.AddDays(-2).ToString('o'); Status = 'fail'; FallbackVerified = $false
                    RecoveryMinutes = 25; MaxRecoveryMinutes = 15; RunbookRef = 'docs/r.md'; EvidenceRef = 'ref://2' }
                [pscustomobject]@{ drill_id = 'drill_1'; executed_at = $now.AddDays(-1).UtcDateTime; status = 'pass'; fallback_verified = $true
                    recovery_minutes = 7.5; max_recovery_minutes = 15; runbook_ref = 'docs/r.md'; evidence_refs = 'ref://1', 'ref://1b' }
            )
            $r = $rows | Add-CavraRollbackDrill -Path $path
            $r | Should -HaveCount 3
            $r[-1].History.DrillCount | Should -Be 3
            $r[-1].History.LatestDrillId | Should -Be 'drill_1'
            $r[-1].History.Valid | Should -BeTrue
            $doc = Read-History $path
            $doc.drills.drill_id | Should -Be @('drill_3', 'drill_2', 'drill_1')
            $doc.drills.status | Should -Be @('pass', 'fail', 'pass')
            $doc.drills[0].actor | Should -Be 'ops'
            $doc.drills[1].fallback_verified | Should -BeFalse
            $doc.drills[2].recovery_minutes | Should -Be 7.5
            $doc.drills[2].evidence_refs | Should -Be @('ref://1', 'ref://1b')
        }

        It 'gives a record without drill_id or executed_at a fresh id and the current time, not the previous record''s' {
            $rows = @(
                [pscustomobject]@{ drill_id = 'given'; executed_at = '2026-01-01T00:00:00Z'; status = 'pass'; recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e'; fallback_verified = $true }
                [pscustomobject]@{ status = 'pass'; recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e' }
            )
            $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
            $r = $rows | Add-CavraRollbackDrill -Path $path
            $r[1].DrillId | Should -Match '^drill_[0-9a-f]{12}$'
            [DateTimeOffset]::Parse($r[1].ExecutedAt) | Should -BeGreaterOrEqual $before
            (Read-History $path).drills[1].fallback_verified | Should -BeFalse
        }

        It 'imports CSV text: true/false, numbers, split references' {
            $csv = @(
                'drill_id,executed_at,status,fallback_verified,recovery_minutes,max_recovery_minutes,runbook_ref,evidence_refs'
                'c1,2026-11-01T08:00:00Z,pass,True,6,15,docs/r.md,a;b'
                'c2,2026-11-02T08:00:00,fail,false,9.5,15,docs/r.md,c'
            ) | ConvertFrom-Csv
            $csv | Select-Object *, @{ n = 'evidence_refs'; e = { $_.evidence_refs -split ';' } } -ExcludeProperty evidence_refs | Add-CavraRollbackDrill -Path $path | Out-Null
            $doc = Read-History $path
            $doc.drills.fallback_verified | Should -Be @($true, $false)
            $doc.drills.executed_at | Should -Be @('2026-11-01T08:00:00+00:00', '2026-11-02T08:00:00+00:00')
            $doc.drills[0].evidence_refs | Should -Be @('a', 'b')
            $doc.drills[1].recovery_minutes | Should -Be 9.5
        }

        It 're-importing the same list refuses the recorded ids (DrillIdExists) and duplicates nothing' {
            $rows = 1..2 | ForEach-Object { [pscustomobject]@{ drill_id = "d$_"; status = 'pass'; recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e' } }
            $rows | Add-CavraRollbackDrill -Path $path | Out-Null
            $before = [IO.File]::ReadAllBytes($path)
            $r = $rows | Add-CavraRollbackDrill -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $errs | Should -HaveCount 2
            $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'DrillIdExists,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand' }
            $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            [IO.File]::ReadAllBytes($path) | Should -Be $before
        }

        It 'a bad record is an error for that record; the others are recorded' {
            $rows = @(
                [pscustomobject]@{ drill_id = 'ok1'; status = 'pass'; recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e' }
                [pscustomobject]@{ drill_id = 'bad'; status = 'pass'; recovery_minutes = -5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e' }
                [pscustomobject]@{ drill_id = 'ok2'; status = 'pass'; recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'r'; evidence_refs = 'e' }
            )
            $r = $rows | Add-CavraRollbackDrill -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue
            $r.DrillId | Should -Be @('ok1', 'ok2')
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            (Read-History $path).drills.drill_id | Should -Be @('ok1', 'ok2')
        }
    }

    Context 'parameter errors write nothing' {
        It '<Name> is <Id>' -ForEach @(
            @{ Name = 'negative minutes'; Splat = @{ RecoveryMinutes = -1 }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'zero target'; Splat = @{ MaxRecoveryMinutes = 0 }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'empty refs'; Splat = @{ EvidenceRef = @() }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'an empty ref'; Splat = @{ EvidenceRef = @('a', '') }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'empty runbook'; Splat = @{ RunbookRef = '' }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'unknown status'; Splat = @{ Status = 'ok' }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'unknown target mode'; Splat = @{ TargetMode = 'off' }; Id = 'ParameterArgumentValidationError' }
            @{ Name = 'unparseable date'; Splat = @{ ExecutedAt = 'last tuesday-ish' }; Id = 'ParameterArgumentTransformationError' }
            @{ Name = 'a date Python cannot read'; Splat = @{ ExecutedAt = '26/11/2026' }; Id = 'ParameterArgumentTransformationError' }
            @{ Name = 'empty date'; Splat = @{ ExecutedAt = '' }; Id = 'ParameterArgumentTransformationError' }
            @{ Name = 'an unreadable boolean'; Splat = @{ FallbackVerified = 'yes' }; Id = 'ParameterArgumentTransformationError' }
            @{ Name = 'empty drill id'; Splat = @{ DrillId = '' }; Id = 'ParameterArgumentValidationError' }
        ) {
            foreach ($k in $Splat.Keys) { $drill[$k] = $Splat[$k] }
            { Add-CavraRollbackDrill -Path $path @drill } | Should -Throw -ErrorId "$Id,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand"
            Get-ChildItem -Force $out | Should -BeNullOrEmpty
        }

        It 'a drill dated in the future is EvidenceInvalid' {
            Add-CavraRollbackDrill -Path $path @drill -ExecutedAt ([DateTimeOffset]::UtcNow.AddHours(1)) -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'EvidenceInvalid,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            $errs[0].Exception.Message | Should -Match 'in the future'
            Test-Path $path | Should -BeFalse
        }
    }

    Context 'safety' {
        It '-WhatIf writes nothing, not even the lock file' {
            Add-CavraRollbackDrill -Path $path @drill -WhatIf
            Get-ChildItem -Force $out | Should -BeNullOrEmpty
        }

        It 'never appends to an invalid history and leaves it byte for byte: <Name>' -ForEach @(
            @{ Name = 'drills not a list'; Content = '{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": "oops"}' }
            @{ Name = 'another schema'; Content = '{"schema_version": "cavra.go-backend-rollback-plan.v1", "drills": []}' }
            @{ Name = 'truncated JSON'; Content = '{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": [{"drill_id": "x"' }
            @{ Name = 'duplicate keys'; Content = '{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": [], "drills": []}' }
            @{ Name = 'a mistyped drill field'; Content = '{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "drills": [{"drill_id": "x", "fallback_verified": "true"}]}' }
        ) {
            [IO.File]::WriteAllText($path, $Content)
            $before = [IO.File]::ReadAllBytes($path)
            Add-CavraRollbackDrill -Path $path @drill -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'DrillHistoryInvalid,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $errs[0].Exception.Message | Should -Match 'left untouched'
            [IO.File]::ReadAllBytes($path) | Should -Be $before
        }

        It 'refuses a history of another environment (DrillHistoryEnvironmentMismatch)' {
            Add-CavraRollbackDrill -Path $path @drill -Environment production-pilot | Out-Null
            $before = [IO.File]::ReadAllBytes($path)
            Add-CavraRollbackDrill -Path $path @drill -Environment staging -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'DrillHistoryEnvironmentMismatch,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            [IO.File]::ReadAllBytes($path) | Should -Be $before
        }

        It 'a write that fails after the temporary file leaves the old history (EvidenceWriteFailed) and no temporary file' {
            Add-CavraRollbackDrill -Path $path @drill -DrillId d1 | Out-Null
            $before = [IO.File]::ReadAllBytes($path)
            Set-CavraWriterCrashSeam -FailWithIOException
            Add-CavraRollbackDrill -Path $path @drill -DrillId d2 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Set-CavraWriterCrashSeam
            $errs[0].FullyQualifiedErrorId | Should -Be 'EvidenceWriteFailed,Cavra.PowerShell.Commands.AddCavraRollbackDrillCommand'
            [IO.File]::ReadAllBytes($path) | Should -Be $before
            @(Get-ChildItem -Force $out -Filter '*.tmp') | Should -HaveCount 0
            (Add-CavraRollbackDrill -Path $path @drill -DrillId d2).History.DrillCount | Should -Be 2
        }

        It 'a writer killed between the temporary file and the rename leaves the old history whole and the lock free' {
            Add-CavraRollbackDrill -Path $path @drill -DrillId d1 | Out-Null
            $before = [IO.File]::ReadAllBytes($path)
            $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; " +
                "[Cavra.Gate.FileSystem.AtomicFileWriter].GetProperty('AfterTemporaryFileWritten', [Reflection.BindingFlags] 'NonPublic, Static').SetValue(`$null, [Action[string]] { param(`$t) [System.Diagnostics.Process]::GetCurrentProcess().Kill() }); " +
                "Add-CavraRollbackDrill -Path '$path' -DrillId d2 -Status pass -RecoveryMinutes 1 -MaxRecoveryMinutes 2 -RunbookRef r -EvidenceRef e"
            $r = Invoke-CavraChildPwsh -Command $command
            $r.ExitCode | Should -Not -Be 0
            [IO.File]::ReadAllBytes($path) | Should -Be $before
            # The killed writer's complete temporary file is what it left; it never replaced the history.
            $temp = @(Get-ChildItem -Force $out -Filter '.drills.json.*.tmp')
            $temp | Should -HaveCount 1
            (Get-Content -Raw $temp[0].FullName | ConvertFrom-Json).drills.drill_id | Should -Be @('d1', 'd2')
            # The lock died with its holder: the next append does not wait.
            $sw = [Diagnostics.Stopwatch]::StartNew()
            (Add-CavraRollbackDrill -Path $path @drill -DrillId d3).History.DrillCount | Should -Be 2
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It '20 processes appending 5 drills each at the same time leave exactly 100 drills and a valid file' {
            $go = Join-Path $out 'go'
            # Each child warms up on a file of its own (loading and compiling the whole path), then waits for the start signal.
            # A writer that waited out the lock timeout (DrillHistoryLockTimeout: nothing written) tries again, as a runbook
            # would; on a heavily loaded machine 100 contending appends can exceed it. Any other error fails the child.
            $command = "Import-Module `$env:CAVRA_MODULE_MANIFEST; " +
                "Add-CavraRollbackDrill -Path ('$out/warm/' + `$PID + '.json') -Status pass -RecoveryMinutes 5 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e -ErrorAction Stop | Out-Null; " +
                "`$null = New-Item -ItemType File -Path ('$out/ready.' + `$PID); " +
                "`$deadline = [DateTime]::UtcNow.AddSeconds(900); while (-not (Test-Path '$go') -and [DateTime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 20 }; " +
                "1..5 | ForEach-Object { `$id = `"p`$PID-`$_`"; for (`$try = 1; ; `$try++) { try { Add-CavraRollbackDrill -Path '$path' -DrillId `$id -Status pass -FallbackVerified -RecoveryMinutes 5 -MaxRecoveryMinutes 15 -RunbookRef r -EvidenceRef e -ErrorAction Stop | Out-Null; break } " +
                "catch { if (`$_.FullyQualifiedErrorId -notlike 'DrillHistoryLockTimeout*' -or `$try -ge 5) { throw } } } }"
            $total = [Diagnostics.Stopwatch]::StartNew()
            $procs = 1..20 | ForEach-Object { [System.Diagnostics.Process]::Start((Get-CavraChildPwshStartInfo -Command $command)) }
            $stderr = $procs | ForEach-Object { $_.StandardError.ReadToEndAsync() }
            $procs | ForEach-Object { $null = $_.StandardOutput.ReadToEndAsync() }
            # A barrier: every child has loaded the module before any appends, so the 100 appends really contend.
            # Generous: 20 pwsh starts on 2 busy cores can take minutes. It ends as soon as all are ready, or one has died.
            $deadline = [DateTime]::UtcNow.AddSeconds(600)
            while (@(Get-ChildItem $out -Filter 'ready.*').Count -lt 20 -and [DateTime]::UtcNow -lt $deadline -and -not ($procs | Where-Object HasExited)) { Start-Sleep -Milliseconds 50 }
            $state = for ($i = 0; $i -lt 20; $i++) {
                if ($procs[$i].HasExited) { 'child {0} exited with {1}: {2}' -f $i, $procs[$i].ExitCode, $(if ($stderr[$i].Wait(5000)) { $stderr[$i].Result } else { '' }) }
            }
            if (@(Get-ChildItem $out -Filter 'ready.*').Count -lt 20) { $procs | ForEach-Object { try { $_.Kill($true) } catch { } } }
            @(Get-ChildItem $out -Filter 'ready.*') | Should -HaveCount 20 -Because "every child loads the module and signals ready ($($state -join '; '))"
            $appends = [Diagnostics.Stopwatch]::StartNew()
            $null = New-Item -ItemType File -Path $go
            foreach ($p in $procs) { if (-not $p.WaitForExit(600000)) { $procs | ForEach-Object { try { $_.Kill($true) } catch { } }; throw 'a child did not finish' } }
            $appends.Stop(); $total.Stop()
            Write-Host ("    20 processes x 5 drills: {0:0.0} s in all, {1:0.0} s from the start signal to the last exit" -f $total.Elapsed.TotalSeconds, $appends.Elapsed.TotalSeconds)
            for ($i = 0; $i -lt 20; $i++) { $procs[$i].WaitForExit(); $procs[$i].ExitCode | Should -Be 0 -Because $stderr[$i].Result }

            $doc = Read-History $path
            $doc.drills | Should -HaveCount 100
            @($doc.drills.drill_id | Sort-Object -Unique) | Should -HaveCount 100
            @(Get-ChildItem -Force $out -Filter '*.tmp') | Should -HaveCount 0
            $r = Add-CavraRollbackDrill -Path $path @drill -DrillId last
            $r.History.DrillCount | Should -Be 101
            $r.History.Valid | Should -BeTrue
        }
    }
}
