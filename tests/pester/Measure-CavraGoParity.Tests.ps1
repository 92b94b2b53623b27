# Measured parity end to end: shadow a few thousand actions through the stand-in runtime (one run where it disagrees on
# chosen actions), read and verify the journal, measure it, merge halves measured in two jobs, author promotion evidence
# from the report, and gate on it.

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    if (-not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_STANDIN_RUNTIME must name the stand-in runtime (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:policy = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')) 'examples/policy/compiled_policy.json'
    $script:runtime = @{ RuntimePath = $env:CAVRA_STANDIN_RUNTIME; PolicyPath = $script:policy }

    # Even actions are allowed by the policy, odd ones blocked. "diverge-if-7;" makes the stand-in swap allow and block
    # for targets containing "7;": actions 7, 17, 27, ... (all odd, so all blocks Go would allow: escapes).
    function Get-Actions([int] $Count) {
        0..($Count - 1) | ForEach-Object {
            $target = if ($_ % 2 -eq 0) { "custom scan --check n$_;" } else { "dangerous mutate --apply n$_;" }
            [pscustomobject]@{ action_type = 'execute_command'; target = $target }
        }
    }
    function Invoke-Shadow([string] $Journal, [int] $Count, [string] $Behavior) {
        if ($Behavior) { $env:CAVRA_STANDIN_BEHAVIOR = $Behavior } else { Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue }
        try { Get-Actions $Count | Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon @script:runtime -JournalPath $Journal -ProgressAction SilentlyContinue | Out-Null }
        finally { Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue }
    }
    # The one-sided Clopper-Pearson bound, computed independently: bisection on the binomial CDF summed term by term.
    function Get-IndependentUpperBound([int] $X, [int] $N, [double] $Confidence) {
        $alpha = 1 - $Confidence; $lo = 0.0; $hi = 1.0
        for ($i = 0; $i -lt 100; $i++) {
            $p = ($lo + $hi) / 2; $logC = 0.0; $cdf = 0.0
            for ($k = 0; $k -le $X; $k++) {
                if ($k -gt 0) { $logC += [Math]::Log($N - $k + 1) - [Math]::Log($k) }
                $cdf += [Math]::Exp($logC + $k * [Math]::Log($p) + ($N - $k) * [Math]::Log(1 - $p))
            }
            if ($cdf -gt $alpha) { $lo = $p } else { $hi = $p }
        }
        ($lo + $hi) / 2
    }

    $script:work = Join-Path $TestDrive 'parity'
    New-Item -ItemType Directory -Path $script:work | Out-Null
    $script:diverging = Join-Path $script:work 'diverging.jsonl'
    Invoke-Shadow $script:diverging 2000 'diverge-if-7;'
    $script:clean = Join-Path $script:work 'clean.jsonl'
    Invoke-Shadow $script:clean 3000 $null
}
AfterAll {
    Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Get-CavraGoPilotJournal' {
    It 'streams typed entries with request, decisions, hashes and host, and a valid chain' {
        $entries = Get-CavraGoPilotJournal -Path $script:diverging -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $entries | Should -HaveCount 2000
        $e = $entries[7]
        $e.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Parity.PilotJournalEntry'
        $e.LineNumber | Should -Be 9
        $e.Request.Target | Should -Be 'dangerous mutate --apply n7;'
        $e.DotnetDecision.Decision | Should -Be 'block'
        $e.GoDecision.Decision | Should -Be 'allow'
        $e.RuntimeSha256 | Should -Be (Get-FileHash $env:CAVRA_STANDIN_RUNTIME -Algorithm SHA256).Hash.ToLowerInvariant()
        $e.PolicySha256 | Should -Be (Get-FileHash $script:policy -Algorithm SHA256).Hash.ToLowerInvariant()
        $e.Host | Should -Be ([Environment]::MachineName)
        $e.Transport | Should -Be 'daemon'
        $e.Journal.ChainValid | Should -BeTrue
    }

    It 'takes files from the pipeline and filters by -Since and -Until' {
        $all = Get-Item $script:diverging | Get-CavraGoPilotJournal
        $mid = $all[500].EvaluatedAt.UtcDateTime
        $before = @(Get-CavraGoPilotJournal -LiteralPath $script:diverging -Until $mid)
        $after = @(Get-CavraGoPilotJournal -LiteralPath $script:diverging -Since $mid)
        $before.Count + $after.Count | Should -Be 2000
        $before.Count | Should -BeGreaterThan 0
        ($before | Where-Object EvaluatedAt -ge $all[500].EvaluatedAt) | Should -BeNullOrEmpty
    }

    It 'reports a single edited byte as an error naming its line, and goes on reading' {
        $copy = Join-Path $TestDrive 'edited.jsonl'
        $bytes = [IO.File]::ReadAllBytes($script:diverging)
        $start = 0
        for ($n = 1; $n -lt 101; $n++) { $start = [Array]::IndexOf($bytes, [byte] 10, $start) + 1 }
        $at = [Text.Encoding]::UTF8.GetString($bytes, $start, 2000).IndexOf('"severity":"') + 12
        $bytes[$start + $at] = [byte][char] 'X'   # line 101: one letter of the built-in severity
        [IO.File]::WriteAllBytes($copy, $bytes)
        $entries = Get-CavraGoPilotJournal -Path $copy -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'JournalChainBroken,*'
        $problems[0].Exception.Message | Should -BeLike "*edited.jsonl:101: line 101 does not match*"
        $entries | Should -HaveCount 1999
        $m = Measure-CavraGoParity -LiteralPath $copy -ErrorAction SilentlyContinue
        $m.Status | Should -Be 'Fail'
        $m.Reasons | Should -Contain "journal $copy failed verification: its hash chain is broken or unreadable"
    }

    It 'reports a missing file as JournalNotFound' {
        Get-CavraGoPilotJournal -Path (Join-Path $TestDrive 'nope.jsonl') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'JournalNotFound,*'
    }
}

Describe 'Measure-CavraGoParity' {
    It 'reports the exact counts, escapes and bound of a run that disagrees on chosen actions' {
        $r = Measure-CavraGoParity $script:diverging
        $escapes = @(0..1999 | Where-Object { $_ % 10 -eq 7 }).Count   # the stand-in's chosen actions
        $r.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Parity.ParityReport'
        $r.SampleSize | Should -Be 2000
        $r.Mismatched | Should -Be $escapes
        $r.Matched | Should -Be (2000 - $escapes)
        $r.Escapes | Should -Be $escapes
        $r.OverBlocks | Should -Be 0
        $r.GoFailures | Should -Be 0
        $r.MismatchRate | Should -Be ($escapes / 2000)
        [Math]::Abs($r.MismatchRateUpperBound - (Get-IndependentUpperBound $escapes 2000 0.95)) | Should -BeLessThan 1e-9
        $r.Status | Should -Be 'Fail'
        $r.Reasons | Should -Contain "$escapes escapes (Go less strict than the built-in decision) exceed the maximum of 0"
        $doc = Measure-CavraGoParity $script:diverging -AsJson | ConvertFrom-Json
        $doc.schema_version | Should -Be 'cavra.powershell.go-parity-report.v1'
        $doc.mismatches_by_field.decision | Should -Be $escapes
        $doc.coverage.by_action_type.execute_command | Should -Be 2000
        $doc.coverage.by_rule_id.'commands.block' | Should -Be 1000
        $doc.journals[0].chain_valid | Should -BeTrue
        $doc.journals[0].line_count | Should -Be 2001
        $doc.journals[0].sha256 | Should -Be (Get-FileHash $script:diverging -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'passes a clean run of 3000: 0 mismatches bound the rate below 0.001 at 95 %' {
        $r = Measure-CavraGoParity $script:clean
        $r.Status | Should -Be 'Pass'
        $r.Reasons | Should -BeNullOrEmpty
        [Math]::Abs($r.MismatchRateUpperBound - (Get-IndependentUpperBound 0 3000 0.95)) | Should -BeLessThan 1e-9
        $r.MismatchRateUpperBound | Should -BeLessThan 0.001
    }

    It 'gives the same report from entries piped in as from the file' {
        $fromEntries = Get-CavraGoPilotJournal $script:clean | Measure-CavraGoParity -AsJson
        $fromFile = Measure-CavraGoParity $script:clean -AsJson
        ($fromEntries -replace '"generated_at": "[^"]*"', '') | Should -Be ($fromFile -replace '"generated_at": "[^"]*"', '')
    }

    It 'merges halves measured in two jobs into exactly the report of the whole' {
        $entries = Get-CavraGoPilotJournal $script:diverging
        $mid = $entries[1234].EvaluatedAt.UtcDateTime
        $measure = {
            param($Manifest, $Journal, $Mid, [bool] $First)
            Import-Module $Manifest
            if ($First) { Measure-CavraGoParity -LiteralPath $Journal -Until $Mid } else { Measure-CavraGoParity -LiteralPath $Journal -Since $Mid }
        }
        $jobs = @(
            Start-Job -ScriptBlock $measure -ArgumentList $env:CAVRA_MODULE_MANIFEST, $script:diverging, $mid, $true
            Start-Job -ScriptBlock $measure -ArgumentList $env:CAVRA_MODULE_MANIFEST, $script:diverging, $mid, $false
        )
        $halves = $jobs | Receive-Job -Wait -AutoRemoveJob
        $halves | Should -HaveCount 2
        $halves[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.Cavra.Gate.Parity.ParityReport'
        $halves[0].SampleSize + $halves[1].SampleSize | Should -Be 2000
        $merged = $halves | Measure-CavraGoParity -AsJson
        ($merged -replace '"generated_at": "[^"]*"', '') | Should -Be ((Measure-CavraGoParity $script:diverging -AsJson) -replace '"generated_at": "[^"]*"', '')
    }

    It 'merges -ReportPath files, and refuses to count one journal twice' {
        $report = Join-Path $TestDrive 'clean-report.json'
        Measure-CavraGoParity $script:clean -OutFile $report | Out-Null
        $twice = Measure-CavraGoParity -ReportPath $report, $report
        $twice.Status | Should -Be 'Fail'
        ($twice.Reasons -join "`n") | Should -BeLike '*is counted twice*'
    }

    It 'writes -OutFile atomically, never over an existing file without -Force, and honours -WhatIf' {
        $out = Join-Path $TestDrive 'out-report.json'
        Measure-CavraGoParity $script:clean -OutFile $out -WhatIf | Out-Null
        Test-Path $out | Should -BeFalse
        Measure-CavraGoParity $script:clean -OutFile $out | Out-Null
        (Get-Content -Raw $out | ConvertFrom-Json).status | Should -Be 'pass'
        Measure-CavraGoParity $script:diverging -OutFile $out -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ParityOutFileExists,*'
        (Get-Content -Raw $out | ConvertFrom-Json).status | Should -Be 'pass'
        Measure-CavraGoParity $script:diverging -OutFile $out -Force | Out-Null
        (Get-Content -Raw $out | ConvertFrom-Json).status | Should -Be 'fail'
    }

    It 'refuses input that is neither an entry, a report nor a journal' {
        @{ a = 1 } | Measure-CavraGoParity -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ParityInputUnsupported,*'
    }
}

Describe 'Parity evidence the gate verifies' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        $gate.RuntimePath = $env:CAVRA_STANDIN_RUNTIME
        $gate.PolicyPath = $script:policy
        $report = Join-Path $dir 'parity-report.json'
        Measure-CavraGoParity $script:clean -OutFile $report | Out-Null
        $evidence = @{
            Path = $gate.PromotionEvidencePath; Force = $true; ParityReportPath = $report; DeploymentStatus = 'ready'
            Approved = $true; ApprovalId = 'apr_go_backend_promotion'; RuntimePath = $gate.RuntimePath; PolicyPath = $gate.PolicyPath
        }
        function Get-ParityCheck($Verdict) { $Verdict.Promotion.Checks | Where-Object Id -eq 'go_promotion_parity_report' }
    }

    It 'authors evidence from a passing report, and that evidence opens the gate' {
        $authored = New-CavraPromotionEvidence @evidence
        $authored.Valid | Should -BeTrue
        $doc = Get-Content -Raw $gate.PromotionEvidencePath | ConvertFrom-Json
        $sha = (Get-FileHash $report -Algorithm SHA256).Hash.ToLowerInvariant()
        $doc.parity_status | Should -Be 'pass'
        $doc.parity_report_path | Should -Be 'parity-report.json'
        $doc.parity_report_sha256 | Should -Be $sha
        $doc.evidence_refs | Should -Contain "go-runtime-parity://report/sha256:$sha"
        $v = Test-CavraGoPromotion @gate
        $v.GatePassed | Should -BeTrue
        (Get-ParityCheck $v).Status | Should -Be 'Pass'
        (Test-CavraGoPromotion @gate -AsJson | ConvertFrom-Json).promotion_readiness.checks.id | Should -Contain 'go_promotion_parity_report'
    }

    It 'shows the check in production readiness, the HTML report and the readiness JSON like every other check' {
        New-CavraPromotionEvidence @evidence | Out-Null
        (Get-CavraProductionReadiness @gate -AsJson) | Should -BeLike '*"go_promotion_parity_report"*'
        (Get-CavraGoReadinessReport Promotion @gate -AsJson | ConvertFrom-Json).checks.id | Should -Contain 'go_promotion_parity_report'
        $html = Join-Path $dir 'report.html'
        Test-CavraGoPromotion @gate | Export-CavraReadinessReport -Path $html
        Get-Content -Raw $html | Should -BeLike '*go_promotion_parity_report*'
    }

    It 'closes the gate on a tampered report' {
        New-CavraPromotionEvidence @evidence | Out-Null
        (Get-Content -Raw $report) -replace '"escapes": 0', '"escapes": 0 ' | Set-Content -NoNewline $report
        $v = Test-CavraGoPromotion @gate
        $v.FailedStep | Should -Be 'Promotion'
        (Get-ParityCheck $v).Message | Should -BeLike '*changed after the evidence was authored*'
    }

    It 'closes the gate on a failing report, even under evidence that says pass' {
        New-CavraPromotionEvidence @evidence | Out-Null
        $failing = Join-Path $dir 'failing-report.json'
        Measure-CavraGoParity $script:diverging -OutFile $failing | Out-Null
        $sha = (Get-FileHash $failing -Algorithm SHA256).Hash.ToLowerInvariant()
        $text = Get-Content -Raw $gate.PromotionEvidencePath
        $text = $text -replace '"parity_report_path": "[^"]*"', '"parity_report_path": "failing-report.json"' -replace '"parity_report_sha256": "[^"]*"', "`"parity_report_sha256`": `"$sha`""
        Set-Content -NoNewline -Path $gate.PromotionEvidencePath -Value $text
        $v = Test-CavraGoPromotion @gate
        $v.FailedStep | Should -Be 'Promotion'
        (Get-ParityCheck $v).Message | Should -BeLike "*status is fail: 200 escapes*"
        # and the cmdlet never authors evidence from it
        New-CavraPromotionEvidence @evidence -ParityReportPath $failing -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'EvidenceInvalid,*'
    }

    It 'closes the gate when the report measured another runtime' {
        New-CavraPromotionEvidence @evidence | Out-Null
        $other = Join-Path $dir 'other-runtime'
        Copy-Item $env:CAVRA_STANDIN_RUNTIME $other
        [IO.File]::AppendAllText($other, "`n# another build")
        $gate.RuntimePath = $other
        (Get-ParityCheck (Test-CavraGoPromotion @gate)).Message | Should -BeLike '*measured a different runtime binary*'
    }

    It 'closes the gate on a stale report (-ParityMaxAgeDays, CAVRA_GO_PARITY_MAX_AGE_DAYS)' {
        New-CavraPromotionEvidence @evidence | Out-Null
        (Get-ParityCheck (Test-CavraGoPromotion @gate -ParityMaxAgeDays 0.000001)).Message | Should -BeLike '*is stale*'
        $env:CAVRA_GO_PARITY_MAX_AGE_DAYS = '0.000001'
        (Test-CavraGoPromotion @gate).GatePassed | Should -BeFalse
    }

    It 'closes the gate on a missing report' {
        New-CavraPromotionEvidence @evidence | Out-Null
        Remove-Item $report
        (Get-ParityCheck (Test-CavraGoPromotion @gate)).Message | Should -BeLike '*missing or unreadable*'
    }

    It 'requires a report only when asked (-RequireParityReport, CAVRA_GO_REQUIRE_PARITY_REPORT)' {
        (Test-CavraGoPromotion @gate).GatePassed | Should -BeTrue   # the shipped evidence names no report: as upstream
        (Get-ParityCheck (Test-CavraGoPromotion @gate -RequireParityReport)).Message | Should -BeLike '*names no parity report*'
        $env:CAVRA_GO_REQUIRE_PARITY_REPORT = 'true'
        (Test-CavraGoPromotion @gate).GatePassed | Should -BeFalse
    }

    It 'refuses -ParityStatus that contradicts the report, and typed evidence without a source' {
        New-CavraPromotionEvidence @evidence -ParityStatus fail -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ParityStatusConflict,*'
        $evidence.Remove('ParityReportPath')
        New-CavraPromotionEvidence @evidence -ErrorVariable e2 -ErrorAction SilentlyContinue | Out-Null
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'ParityEvidenceRequired,*'
    }
}
