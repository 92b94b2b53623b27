# The Pester readiness pack: the cmdlet that hands it out, and the pack itself run the way a change window runs it.
# The pack runs in a child pwsh: Pester inside Pester shares its state (configuration, result objects, TestDrive).

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST -or -not $env:CAVRA_PESTER_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST and CAVRA_PESTER_MANIFEST must be set (build.ps1 -Task Test sets them).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment

    function Invoke-ReadinessPack {
        <# Runs the pack in one child pwsh as a change window would, once per run (one process: Pester's first run pays
           for compiling it), each with its own JUnit XML. A run is @{ Name; Gate (for Get-CavraReadinessPack);
           Environment (CAVRA_GO_* for the run); RequireGoSelected; JUnitPath }, or @{ Name; Runbook (a script path);
           Arguments }. Returns each test's run, block, name, result and failure message, and a runbook's exit code. #>
        param([Parameter(Mandatory)] [hashtable[]] $Runs, [string] $PesterManifest = $env:CAVRA_PESTER_MANIFEST)
        $runsFile = Join-Path $TestDrive ('runs-' + [guid]::NewGuid().ToString('N') + '.clixml')
        $Runs | Export-Clixml -LiteralPath $runsFile
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$PesterManifest'
Import-Module '$($env:CAVRA_MODULE_MANIFEST)'
`$results = foreach (`$run in Import-Clixml -LiteralPath '$runsFile') {
    Get-ChildItem env:CAVRA_GO_* | Remove-Item
    if (`$run.Runbook) {
        # A runbook script: 'exit' in a script run with & ends the script and sets `$LASTEXITCODE, not this process.
        # It imports Pester and Cavra.PowerShell by name, as a change window does: both are found through PSModulePath.
        `$env:PSModulePath = `$run.ModulePath + [IO.Path]::PathSeparator + `$env:PSModulePath
        `$arguments = `$run.Arguments
        & `$run.Runbook @arguments *> `$null
        [pscustomobject]@{ Run = `$run.Name; Block = ''; Name = 'exit code'; Result = [string] `$LASTEXITCODE; Message = '' }
        continue
    }
    foreach (`$k in `$run.Environment.Keys) { Set-Item "env:`$k" `$run.Environment[`$k] }
    `$gate = `$run.Gate
    `$config = New-PesterConfiguration
    `$config.Run.Container = Get-CavraReadinessPack @gate -RequireGoSelected:([bool] `$run.RequireGoSelected)
    `$config.Run.PassThru = `$true
    `$config.Output.Verbosity = 'None'
    if (`$run.TagFilter) { `$config.Filter.Tag = `$run.TagFilter }
    `$config.TestResult.Enabled = `$true
    `$config.TestResult.OutputFormat = 'JUnitXml'
    `$config.TestResult.OutputPath = `$run.JUnitPath
    `$result = Invoke-Pester -Configuration `$config
    if (`$result.FailedContainersCount) { throw "the pack failed to run: `$(`$result.Containers[0].ErrorRecord)" }
    foreach (`$t in `$result.Tests) {
        if (-not `$t.ShouldRun) { continue }   # filtered out by -TagFilter
        [pscustomobject]@{ Run = `$run.Name; Block = `$t.Block.ExpandedName; Name = `$t.ExpandedName; Result = [string] `$t.Result
            Message = if (`$t.ErrorRecord) { `$t.ErrorRecord[0].Exception.Message } else { '' } }
    }
}
@(`$results) | ConvertTo-Json -Compress -Depth 3
"@
        $child = Invoke-CavraChildPwsh -Script $script
        if ($child.ExitCode -ne 0) { throw "The child pwsh failed ($($child.ExitCode)): $($child.Output -join "`n") $($child.Error)" }
        return @(($child.Output -join "`n") | ConvertFrom-Json)
    }

    $script:StepNames = 'runtime', 'promotion', 'rollback', 'rollback_rehearsal', 'rollback_drill_history', 'rollback_drill_schedule'
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Get-CavraReadinessPack' {
    It '-AsFile returns the pack shipped inside the module folder' {
        $pack = Get-CavraReadinessPack -AsFile
        $pack | Should -BeOfType [System.IO.FileInfo]
        $pack.Name | Should -Be 'Cavra.GoPromotion.Tests.ps1'
        $pack.Exists | Should -BeTrue
        $pack.PSPath | Should -Not -BeNullOrEmpty
        $pack.Directory.Parent.FullName | Should -Be (Get-Module Cavra.PowerShell).ModuleBase
    }

    It 'returns a Pester container whose data holds only the configuration given, paths resolved against $PWD' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'cwd') -Force
        Push-Location $dir
        try { $container = Get-CavraReadinessPack -Mode Promoted -RollbackPlanPath ./plan.json -RollbackDrillMaxAgeDays 30 -RequireGoSelected }
        finally { Pop-Location }
        $container.GetType().FullName | Should -Be 'Pester.ContainerInfo'
        $container.Item.FullName | Should -Be (Get-CavraReadinessPack -AsFile).FullName
        $data = $container.Data
        $data.Keys | Sort-Object | Should -Be @('Mode', 'RequireGoSelected', 'RollbackDrillMaxAgeDays', 'RollbackPlanPath')
        $data.Mode | Should -Be 'Promoted'
        $data.RollbackPlanPath | Should -Be (Join-Path $dir.FullName 'plan.json')
        $data.RollbackDrillMaxAgeDays | Should -Be 30
        $data.RequireGoSelected | Should -BeTrue
    }

    It 'rejects configuration parameters with -AsFile (they would be silently lost)' {
        { Get-CavraReadinessPack -AsFile -Mode Promoted } | Should -Throw -ErrorId 'ConfigurationWithAsFile,Cavra.PowerShell.Commands.GetCavraReadinessPackCommand'
    }

    It 'the pack accepts every configuration parameter of Test-CavraGoPromotion' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $gateParameters = (Get-Command Test-CavraGoPromotion).Parameters.Keys | Where-Object { $_ -notin $common -and $_ -notin 'Quiet', 'AsJson' }
        $packParameters = (Get-Command (Get-CavraReadinessPack -AsFile).FullName).Parameters.Keys
        foreach ($name in $gateParameters) { $packParameters | Should -Contain $name }
        (Get-Command Get-CavraReadinessPack).OutputType.Name | Should -Contain 'Pester.ContainerInfo'
    }
}

Describe 'The readiness pack in a change window' {
    BeforeAll {
        # A complete set configured through CAVRA_GO_* only (no container data), requiring Go to be selected.
        $good = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'good')
        $environment = @{
            CAVRA_GO_BACKEND_MODE                = 'promoted'
            CAVRA_GO_RUNTIME_PATH                = $good.RuntimePath
            CAVRA_GO_RUNTIME_POLICY              = $good.PolicyPath
            CAVRA_GO_RUNTIME_PACKAGE_DIR         = $good.PackageDir
            CAVRA_GO_PROMOTION_EVIDENCE          = $good.PromotionEvidencePath
            CAVRA_GO_ROLLBACK_PLAN               = $good.RollbackPlanPath
            CAVRA_GO_ROLLBACK_REHEARSAL_EVIDENCE = $good.RollbackRehearsalPath
            CAVRA_GO_ROLLBACK_DRILL_HISTORY      = $good.RollbackDrillHistoryPath
            CAVRA_GO_ROLLBACK_DRILL_SCHEDULE     = $good.RollbackDrillSchedulePath
        }
        # A broken set (no rehearsal) without a drill schedule, configured through Get-CavraReadinessPack's parameters.
        $bad = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'bad')
        Remove-Item $bad.RollbackRehearsalPath
        $bad.Remove('RollbackDrillSchedulePath')

        # The runbook of docs/readiness-pack.md, run as written over the layout it expects.
        $markdown = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../docs/readiness-pack.md')
        $runbook = [regex]::Match($markdown, '(?s)## Runbook[^\n]*\n.*?```powershell\n(.*?)```').Groups[1].Value
        $script:runbookPath = Join-Path $TestDrive 'change-window.ps1'
        Set-Content -LiteralPath $runbookPath -Value $runbook
        function New-RunbookLayout([hashtable] $Gate, [string] $Root) {
            $release = Join-Path $Root 'release'; $evidence = Join-Path $Root 'evidence'
            Copy-Item -Recurse -LiteralPath $Gate.PackageDir -Destination $release
            New-Item -ItemType Directory -Path (Join-Path $release 'bin'), $evidence | Out-Null
            Copy-Item $Gate.RuntimePath (Join-Path $release 'bin/cavra-runtime')
            Copy-Item $Gate.PolicyPath (Join-Path $release 'policy.json')
            $files = @{ PromotionEvidencePath = 'promotion.json'; RollbackPlanPath = 'plan.json'; RollbackRehearsalPath = 'rehearsal.json'
                RollbackDrillHistoryPath = 'drills.json'; RollbackDrillSchedulePath = 'drill-schedule.json' }
            foreach ($k in $files.Keys) { if (Test-Path -LiteralPath $Gate[$k]) { Copy-Item $Gate[$k] (Join-Path $evidence $files[$k]) } }
            @{ Change = 'CHG-1'; Release = $release; Evidence = $evidence; Results = Join-Path $Root 'results' }
        }
        $script:goodLayout = New-RunbookLayout $good (Join-Path $TestDrive 'runbook-good')
        $brokenSet = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'runbook-bad-set')
        Remove-Item $brokenSet.RollbackRehearsalPath
        $script:badLayout = New-RunbookLayout $brokenSet (Join-Path $TestDrive 'runbook-bad')

        # Module folders named as Import-Module -Name expects: <path>/Pester/Pester.psd1 and <path>/Cavra.PowerShell/...
        $modules = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'modules')
        $linkType = if ($IsWindows) { 'Junction' } else { 'SymbolicLink' }
        New-Item -ItemType $linkType -Path (Join-Path $modules 'Pester') -Target (Split-Path $env:CAVRA_PESTER_MANIFEST) | Out-Null
        $modulePath = $modules.FullName + [IO.Path]::PathSeparator + (Split-Path (Split-Path $env:CAVRA_MODULE_MANIFEST))

        $script:goodJUnit = Join-Path $TestDrive 'good.junit.xml'
        $script:badJUnit = Join-Path $TestDrive 'bad.junit.xml'
        $bound = $good.Clone(); $bound.RequireBoundEvidence = $true
        # The complete set plus a connector config and a notification ledger whose slack and teams deliveries failed
        # (nothing listened): the schedule step gains go_rollback_drill_notification_recovery, which fails.
        Import-Module (Join-Path $PSScriptRoot 'LoopbackReceiver.psm1') -Force
        $notify = $good.Clone()
        $notifyDir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'notify')
        $closed = Get-CavraClosedLoopbackUrl
        @{ connectors = @(@{ provider = 'slack'; url = $closed; retries = 0 }, @{ provider = 'teams'; url = $closed; retries = 0 }) } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath (Join-Path $notifyDir 'connectors.json')
        $notify.ConnectorConfigPath = Join-Path $notifyDir 'connectors.json'
        $notify.NotificationLedgerPath = Join-Path $notifyDir 'ledger.jsonl'
        $null = Send-CavraRollbackDrillNotification -SchedulePath $good.RollbackDrillSchedulePath -RollbackDrillHistoryPath $good.RollbackDrillHistoryPath `
            -ConnectorConfigPath $notify.ConnectorConfigPath -LedgerPath $notify.NotificationLedgerPath -WarningAction SilentlyContinue
        $all = Invoke-ReadinessPack -Runs @(
            @{ Name = 'good'; Gate = @{}; Environment = $environment; RequireGoSelected = $true; JUnitPath = $goodJUnit }
            @{ Name = 'bad'; Gate = $bad; Environment = @{}; RequireGoSelected = $false; JUnitPath = $badJUnit }
            @{ Name = 'bound'; Gate = $bound; Environment = @{}; RequireGoSelected = $false; JUnitPath = (Join-Path $TestDrive 'bound.junit.xml') }
            @{ Name = 'notify'; Gate = $notify; Environment = @{}; RequireGoSelected = $false; JUnitPath = (Join-Path $TestDrive 'notify.junit.xml') }
            @{ Name = 'runbook-good'; Runbook = $runbookPath; Arguments = $goodLayout; ModulePath = $modulePath }
            @{ Name = 'runbook-bad'; Runbook = $runbookPath; Arguments = $badLayout; ModulePath = $modulePath }
        )
        $script:runbookExit = @{
            good = ($all | Where-Object Run -eq 'runbook-good').Result
            bad  = ($all | Where-Object Run -eq 'runbook-bad').Result
        }
        $script:goodTests = @($all | Where-Object Run -eq 'good')
        $script:boundTests = @($all | Where-Object Run -eq 'bound')
        $script:notifyTests = @($all | Where-Object Run -eq 'notify')
        $script:badTests = @($all | Where-Object Run -eq 'bad')
        $script:goodVerdict = Test-CavraGoPromotion @good
    }

    Context 'a complete evidence set, configured through CAVRA_GO_* (no container data)' {
        It 'passes every test but the advisory binding warning, which is inconclusive with its message' {
            $goodTests | Should -Not -BeNullOrEmpty
            $goodTests | Where-Object { $_.Result -ne 'Passed' -and $_.Name -ne 'go_promotion_evidence_binding' } | ForEach-Object { "$($_.Block) / $($_.Name): $($_.Result) $($_.Message)" } | Should -BeNullOrEmpty
            $binding = $goodTests | Where-Object Name -eq 'go_promotion_evidence_binding'
            $binding.Result | Should -Be 'Inconclusive'
            $binding.Message | Should -BeLike '*WARN (does not block the gate): promotion evidence is not bound to a binary*'
        }

        It 'has a Describe per gate step in gate order, an It per check named after its id, and a status It per step' {
            @($goodTests.Block | Select-Object -Unique) | Should -Be (@('Go backend promotion gate') + $StepNames)
            foreach ($step in $goodVerdict.Steps) {
                $names = @($goodTests | Where-Object Block -eq $step.Name | ForEach-Object Name)
                $expected = @($step.Checks.Id) + $(if ($step.Step -eq 'RollbackDrillSchedule') { 'step status is ready or due_soon' } else { 'step status is ready' })
                $names | Should -Be $expected
            }
            ($goodTests | Where-Object Block -eq 'Go backend promotion gate').Name | Should -Be @('every gate step passes', 'the configured mode selects the Go runtime')
        }

        It 'writes JUnit XML with one passing test case per test' {
            [xml] $xml = Get-Content -Raw -LiteralPath $goodJUnit
            $xml.testsuites.failures | Should -Be '0'
            $cases = @($xml.testsuites.testsuite.testcase)
            $cases | Should -HaveCount $goodTests.Count
            $cases.name | Should -Contain 'rollback.go_rollback_plan'
            $cases.name | Should -Contain 'rollback_drill_history.go_rollback_drill_freshness'
        }
    }

    Context 'a broken evidence set (no rehearsal) without a drill schedule, configured through Get-CavraReadinessPack' {
        It 'fails the missing file, the rehearsal step and the gate, and skips the knock-on checks with the reason' {
            $failed = $badTests | Where-Object Result -eq 'Failed'
            @($failed | ForEach-Object { "$($_.Block)/$($_.Name)" }) | Should -Be @(
                'Go backend promotion gate/every gate step passes'
                'rollback_rehearsal/go_rollback_rehearsal_evidence'
                'rollback_rehearsal/step status is ready'
            )
            $knockOn = $badTests | Where-Object { $_.Block -eq 'rollback_rehearsal' -and $_.Result -eq 'Skipped' }
            @($knockOn.Name) | Should -Be @('go_rollback_rehearsal_simulated', 'go_rollback_rehearsal_fallback_verified', 'go_rollback_rehearsal_recovery_sla', 'go_rollback_rehearsal_evidence_refs')
            foreach ($t in $knockOn) { $t.Message | Should -BeLike '*go_rollback_rehearsal_evidence failed: metadata file is missing: *cavra-runtime.go-backend-rollback-rehearsal.json' }
            ($badTests | Where-Object { $_.Block -in 'runtime', 'promotion', 'rollback', 'rollback_drill_history' -and $_.Name -ne 'go_promotion_evidence_binding' }).Result | Sort-Object -Unique | Should -Be 'Passed'
        }

        It "fails a check's test with FAIL, the check's message and its file, without exception or script noise" {
            $evidence = $badTests | Where-Object Name -eq 'go_rollback_rehearsal_evidence'
            $evidence.Message | Should -BeLike 'FAIL: metadata file is missing: *cavra-runtime.go-backend-rollback-rehearsal.json'
            $evidence.Message | Should -Not -Match 'Exception|ScriptBlock'
            ($badTests | Where-Object Name -eq 'every gate step passes').Message | Should -BeLike '*go backend rollback rehearsal check failed*(first failing step: rollback_rehearsal)'
            ($badTests | Where-Object { $_.Block -eq 'rollback_rehearsal' -and $_.Name -like 'step status*' }).Message | Should -Be 'rollback_rehearsal is needs_attention, not ready: go backend rollback rehearsal check failed'
        }

        It 'skips the drill schedule step, which is not part of the gate when no schedule is configured' {
            $schedule = $badTests | Where-Object Block -eq 'rollback_drill_schedule'
            $schedule | Should -Not -BeNullOrEmpty
            $schedule.Result | Sort-Object -Unique | Should -Be 'Skipped'
        }

        It 'leaves out the Go-selected test unless -RequireGoSelected' {
            $badTests.Name | Should -Not -Contain 'the configured mode selects the Go runtime'
        }

        It 'writes JUnit XML naming the failing check with its message' {
            [xml] $xml = Get-Content -Raw -LiteralPath $badJUnit
            $xml.testsuites.failures | Should -Be '3'
            $case = $xml.testsuites.testsuite.testcase | Where-Object name -eq 'rollback_rehearsal.go_rollback_rehearsal_evidence'
            $case.status | Should -Be 'Failed'
            $case.failure.message | Should -BeLike 'FAIL: metadata file is missing: *cavra-runtime.go-backend-rollback-rehearsal.json'
            $case.failure.message | Should -Not -Match 'RuntimeException'
            ($xml.testsuites.testsuite.testcase | Where-Object name -eq 'rollback_rehearsal.go_rollback_rehearsal_simulated').status | Should -Be 'Skipped'
        }
    }

    Context 'promotion evidence without runtime_sha256/policy_sha256 under -RequireBoundEvidence' {
        It 'fails the binding check, the promotion step and the gate' {
            $failed = $boundTests | Where-Object Result -eq 'Failed'
            @($failed | ForEach-Object { "$($_.Block)/$($_.Name)" }) | Should -Be @(
                'Go backend promotion gate/every gate step passes'
                'promotion/go_promotion_evidence_binding'
                'promotion/step status is ready'
            )
            ($failed | Where-Object Name -eq 'go_promotion_evidence_binding').Message | Should -BeLike 'FAIL: promotion evidence is not bound to a binary: it has no runtime_sha256 or policy_sha256*'
        }
    }

    Context 'the change-window runbook of docs/readiness-pack.md' {
        It 'lets the change proceed over complete evidence, with JUnit XML and an HTML page' {
            $runbookExit.good | Should -Be '0'
            [xml] $xml = Get-Content -Raw -LiteralPath (Join-Path $goodLayout.Results 'go-promotion-readiness.junit.xml')
            $xml.testsuites.failures | Should -Be '0'
            $html = Get-Content -Raw -LiteralPath (Join-Path $goodLayout.Results 'go-promotion-readiness.html')
            $html | Should -Match 'GO: promoted mode selects the Go runtime'
            $html | Should -Match '<h1>CHG-1: promote the Go runtime</h1>'
        }

        It 'stops the change (exit code 1) when a check fails, and still writes both files' {
            $runbookExit.bad | Should -Be '1'
            [xml] $xml = Get-Content -Raw -LiteralPath (Join-Path $badLayout.Results 'go-promotion-readiness.junit.xml')
            ($xml.testsuites.testsuite.testcase | Where-Object name -eq 'rollback_rehearsal.go_rollback_rehearsal_evidence').status | Should -Be 'Failed'
            Get-Content -Raw -LiteralPath (Join-Path $badLayout.Results 'go-promotion-readiness.html') | Should -Match 'NO GO'
        }
    }

    Context 'with drill notifications configured (a connector config and a ledger with failed deliveries)' {
        It 'has a test case for go_rollback_drill_notification_recovery in the schedule step, failing with the providers, and the gate fails' {
            $check = $notifyTests | Where-Object { $_.Block -eq 'rollback_drill_schedule' -and $_.Name -eq 'go_rollback_drill_notification_recovery' }
            $check.Result | Should -Be 'Failed'
            $check.Message | Should -Match 'slack \(1 open\)'
            $check.Message | Should -Match 'teams \(1 open\)'
            ($notifyTests | Where-Object Name -eq 'every gate step passes').Result | Should -Be 'Failed'
            $status = $notifyTests | Where-Object { $_.Block -eq 'rollback_drill_schedule' -and $_.Name -like 'step status is *' }
            $status.Name | Should -Be 'step status is ready or due_soon, with drill notifications recovered'
            $status.Result | Should -Be 'Failed'
            ($goodTests | Where-Object Name -eq 'go_rollback_drill_notification_recovery') | Should -BeNullOrEmpty -Because 'without a connector config the check is not part of the step'
        }
    }
}

Describe 'Filtering the readiness pack by step (-TagFilter)' {
    BeforeAll {
        # One run per step and Pester major, over a broken set so every outcome (pass, fail, skip) is filtered too.
        $set = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'filter')
        Remove-Item $set.RollbackRehearsalPath
        $runs = foreach ($step in $StepNames) { @{ Name = $step; Gate = $set; Environment = @{}; TagFilter = $step; JUnitPath = (Join-Path $TestDrive "filter-$step.xml") } }
        $runs = @($runs) + @{ Name = 'CavraGate'; Gate = $set; Environment = @{}; TagFilter = 'CavraGate'; JUnitPath = (Join-Path $TestDrive 'filter-all.xml') }
        if (-not $env:CAVRA_PESTER5_MANIFEST) { throw 'CAVRA_PESTER5_MANIFEST must be set (build.ps1 -Task Test restores Pester 5.7.1 and sets it).' }
        $script:filtered = @{
            '6' = Invoke-ReadinessPack -Runs $runs -PesterManifest $env:CAVRA_PESTER_MANIFEST
            '5' = Invoke-ReadinessPack -Runs $runs -PesterManifest $env:CAVRA_PESTER5_MANIFEST
        }
        $script:expectedCounts = @{}
        foreach ($step in (Test-CavraGoPromotion @set).Steps) { $expectedCounts[$step.Name] = $step.Checks.Count + 1 }
    }

    It 'on Pester <Major>, -TagFilter <Step> runs exactly the tests of that step' -ForEach @(
        foreach ($major in '5', '6') { foreach ($s in 'runtime', 'promotion', 'rollback', 'rollback_rehearsal', 'rollback_drill_history', 'rollback_drill_schedule') { @{ Major = $major; Step = $s } } }
    ) {
        $tests = @($filtered[$Major] | Where-Object Run -eq $Step)
        @($tests.Block | Select-Object -Unique) | Should -Be @($Step)
        $tests | Should -HaveCount $expectedCounts[$Step]
    }

    It "on Pester <_>, -TagFilter CavraGate runs the whole pack" -ForEach '5', '6' {
        $tests = @($filtered[$_] | Where-Object Run -eq 'CavraGate')
        @($tests.Block | Select-Object -Unique) | Should -Be (@('Go backend promotion gate') + $StepNames)
    }
}
