# The README's first command (build.ps1 -Task Demo runs examples/Invoke-Demo.ps1) must be right on any date: it authors
# a fresh evidence set stamped to "now", shows GO, then shows the gate failing closed. The year-ahead case runs the demo
# in a child pwsh under libfaketime (LD_PRELOAD, FAKETIME=+365d): the whole process, module and gate included, sees a
# clock a year ahead, with no switch or variable of the product involved. .ci/run installs Debian's libfaketime; where it
# is missing (a developer's machine) that case is skipped, except under CI, where it fails.

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    if (-not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_STANDIN_RUNTIME must name the stand-in runtime (build.ps1 -Task Test sets it).' }
    $script:demo = Join-Path $PSScriptRoot '../../examples/Invoke-Demo.ps1'
    $script:fixtures = Join-Path $PSScriptRoot '../../examples/evidence'

    function Invoke-Demo {
        <# Runs the demo in a new pwsh (with extra environment variables for that process only); returns its output lines. #>
        param([hashtable] $Environment = @{})
        $hostPath = [Environment]::ProcessPath
        # After the demo, the same process evaluates upstream's fixtures as they are: the control that shows the clock moved.
        $command = "& '$demo' -ModuleManifest '$env:CAVRA_MODULE_MANIFEST' -RuntimePath '$env:CAVRA_STANDIN_RUNTIME'; " +
            "`$v = Test-CavraGoPromotion -Mode Promoted -RuntimePath '$env:CAVRA_STANDIN_RUNTIME' -PolicyPath '$fixtures/../policy/compiled_policy.json' -PackageDir '$fixtures' " +
            "-PromotionEvidencePath '$fixtures/cavra-runtime.go-backend-promotion-evidence.json' -RollbackPlanPath '$fixtures/cavra-runtime.go-backend-rollback-plan.json' " +
            "-RollbackRehearsalPath '$fixtures/cavra-runtime.go-backend-rollback-rehearsal.json' -RollbackDrillHistoryPath '$fixtures/cavra-runtime.go-backend-rollback-drills.json'; " +
            "'fixtures|{0}|{1}|{2}' -f `$v.GoSelected, `$v.FailedStep, `$v.EvaluatedAt.ToString('o')"
        $arguments = @('-NoProfile', '-NonInteractive', '-Command', $command)
        if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments }
        $saved = @{}
        $Environment['NO_COLOR'] = '1'
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        $cavra = @(Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue)
        foreach ($v in $cavra) { Remove-Item "env:$($v.Name)" }
        try {
            $output = @(& $hostPath @arguments 2>&1 | ForEach-Object { "$_" })
            if ($LASTEXITCODE -ne 0) { throw "The demo failed ($LASTEXITCODE):`n$($output -join "`n")" }
            return $output
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            foreach ($v in $cavra) { Set-Item "env:$($v.Name)" $v.Value }
        }
    }

    function Assert-DemoShowsGoThenFailClosed {
        param([string[]] $Output, [DateTimeOffset] $ExpectedNow)
        $stamped = $Output | Where-Object { $_ -match '\(stamped (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)\)' } | Select-Object -First 1
        $stamped | Should -Not -BeNullOrEmpty -Because 'the demo says when it stamped the evidence'
        $null = $stamped -match '\(stamped (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)\)'
        $at = [DateTimeOffset]::ParseExact($Matches[1], 'yyyy-MM-dd HH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture, 'AssumeUniversal')
        [Math]::Abs(($at - $ExpectedNow).TotalHours) | Should -BeLessThan 6 -Because "the demo's clock should read about $($ExpectedNow.ToString('u'))"
        foreach ($file in 'rollback-plan', 'rollback-rehearsal', 'rollback-drills', 'promotion-evidence') {
            $Output | Should -Contain "  wrote cavra-runtime.go-backend-$file.json"
        }
        $verdicts = @($Output | Where-Object { $_ -like 'Verdict: *' })
        $verdicts.Count | Should -Be 2
        $verdicts[0] | Should -BeLike 'Verdict: GO. Promoted mode selects the Go runtime*'
        $verdicts[1] | Should -BeLike 'Verdict: NO-GO at step RollbackDrillHistory.*'
        # The pilot: four actions decided by the Go candidate, then the same four falling back to the built-in backend.
        @($Output | Where-Object { $_ -match '^(allow|block|require_approval)\s+go\s+' }).Count | Should -Be 4
        @($Output | Where-Object { $_ -match '^(allow|block|require_approval)\s+dotnet\s+.+go backend rollback drill history check failed' }).Count | Should -Be 4
        # Drill notifications: failing deliveries fail the recovery check; an approved retry and a closure make it pass.
        @($Output | Where-Object { $_ -like 'Notification recovery check: *' }) | Should -Be @(
            'Notification recovery check: FAIL: drill notification deliveries failed and are neither retried successfully nor closed: slack (1 open), teams (1 open)'
            'Notification recovery check: PASS: Every drill notification provider has recovered: no failed delivery is left open.')
        $Output | Where-Object { $_ -like "The receiver saw 6 requests; the ledger's 10 lines hold the connector's secret: no." } | Should -Not -BeNullOrEmpty
        $Output | Where-Object { $_ -clike '*Exception*' } | Should -BeNullOrEmpty
    }

    $script:fakeTime = @(Resolve-Path -Path '/usr/lib/*/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1', '/usr/local/lib/faketime/libfaketime.so.1' -ErrorAction SilentlyContinue |
        Select-Object -First 1 | ForEach-Object ProviderPath)
}

Describe 'The demo (build.ps1 -Task Demo)' {
    It 'authors fresh evidence, shows GO, then the gate failing closed at the missing drill history' {
        $output = Invoke-Demo
        Assert-DemoShowsGoThenFailClosed -Output $output -ExpectedNow ([DateTimeOffset]::UtcNow)
    }

    It 'does the same with the clock a year ahead (libfaketime), where upstream''s fixed-date fixtures are stale' {
        if ($IsWindows -or $IsMacOS) { Set-ItResult -Skipped -Because 'libfaketime via LD_PRELOAD works on Linux only'; return }
        if ($fakeTime.Count -eq 0) {
            if ($env:CI -eq 'true') { throw 'libfaketime is not installed: .ci/run installs it (apt-get install libfaketime)' }
            Set-ItResult -Skipped -Because 'libfaketime is not installed (Debian: apt-get install libfaketime; .ci/run installs it)'
            return
        }
        $ahead = [DateTimeOffset]::UtcNow.AddDays(365)
        $output = Invoke-Demo -Environment @{ LD_PRELOAD = $fakeTime[0]; FAKETIME = '+365d' }
        Assert-DemoShowsGoThenFailClosed -Output $output -ExpectedNow $ahead
        # Control: evaluated directly a year ahead, the fixtures' drill is long stale; so the GO above came from re-stamping.
        $control = ($output | Where-Object { $_ -like 'fixtures|*' }) -split '\|'
        $control[1] | Should -Be 'False'
        $control[2] | Should -Be 'RollbackDrillHistory'
        [Math]::Abs(([DateTimeOffset]::Parse($control[3]) - $ahead).TotalHours) | Should -BeLessThan 6
    }
}
