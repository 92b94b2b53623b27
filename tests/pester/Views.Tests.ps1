# What people read: the format views at the two console widths they are designed for (80 and 120 columns), the list
# views for detail, and Format-List * without type names. Rendered with Out-String -Width, as a console of that width.

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST -or -not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_MODULE_MANIFEST and CAVRA_STANDIN_RUNTIME must be set (build.ps1 -Task Test sets them).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:root = Join-Path $TestDrive 'views'
    $script:gate = New-CavraTestEvidenceSet -Path $root
    Remove-Item $gate.RollbackRehearsalPath
    # The evidence lies under the current folder, so messages and paths read relative to it.
    Push-Location $root
    $script:verdict = Test-CavraGoPromotion @gate
    $script:config = Get-CavraGoBackendConfig @gate
    $policy = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')) 'examples/policy/compiled_policy.json'
    $script:records = @(
        Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow -RuntimePath $env:CAVRA_STANDIN_RUNTIME -PolicyPath $policy
        Invoke-CavraGoPilotEvaluate read_file '/home/operator/projects/cavra/deployments/production/secrets/.env' -Mode Shadow -RuntimePath ./missing-runtime -PolicyPath $policy 3>$null
    )

    function Get-Rendered([Parameter(ValueFromPipeline)] $InputObject, [int] $Width) {
        begin { $items = [System.Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end { ($items | Out-String -Width $Width) -split '\r?\n' }
    }
    # A table or list wraps a long value at any character, so text is looked for with all white space removed.
    function Assert-Shows([string[]] $Lines, [string] $Text) {
        (($Lines -join '') -replace '\s', '') | Should -BeLikeExactly ('*' + ($Text -replace '\s', '') + '*') -Because "the view shows '$Text'"
    }
    function Assert-Fits([string[]] $Lines, [int] $Width) {
        @($Lines | Where-Object { $_.Length -gt $Width }) | Should -BeNullOrEmpty -Because "no line may be wider than $Width columns"
        ($Lines -join "`n") | Should -Not -Match '…' -Because 'a designed view wraps instead of cutting values off'
    }
    function Assert-Header([string[]] $Lines, [string[]] $Labels) {
        $header = $Lines | Where-Object { $_ -match '\S' } | Select-Object -First 1
        foreach ($label in $Labels) { $header | Should -Match ([regex]::Escape($label)) -Because "the header shows '$label' whole, not a letter per line" }
    }
}
AfterAll {
    Pop-Location
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Table views at <_> columns' -ForEach 80, 120 {
    BeforeAll { $script:width = $_ }

    It 'the gate steps: every step, its result and its first failing check' {
        $lines = $verdict.Steps | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines '#', 'Step', 'Result', 'Status', 'Failing'
        $lines | Where-Object { $_ -match '^4\s+rollback_rehearsal\s+BLOCKS\s+NeedsAttention\s+go_rollback_rehearsal_' } | Should -Not -BeNullOrEmpty
        Assert-Shows $lines 'go_rollback_rehearsal_evidence (+4)'
    }

    It 'Format-Table of a verdict: mode, outcome, failed step and the first blocking check' {
        $lines = $verdict | Format-Table | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'Mode', 'GoSelected', 'GatePassed', 'FailedStep', 'BlockingCheck'
        Assert-Shows $lines 'Promoted False False rollback_rehearsal go_rollback_rehearsal_evidence (+4)'
    }

    It 'checks: FAIL or WARN, the whole id, and the message with its file relative to the current folder' {
        $lines = $verdict.AttentionChecks | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'Result', 'Id', 'Message'
        $lines | Should -Contain ($lines | Where-Object { $_ -match '^WARN\s+go_promotion_evidence_binding\s' })
        $lines | Where-Object { $_ -match '^FAIL\s+go_rollback_rehearsal_fallback_verified\s' } | Should -Not -BeNullOrEmpty
        Assert-Shows $lines 'go_rollback_rehearsal_evidence metadata file is missing: cavra-runtime.go-backend-rollback-rehearsal.json'
        ($lines -join '') | Should -Not -Match ([regex]::Escape($root))
    }

    It 'the configuration: every setting by name, its source and its value (paths relative)' {
        $lines = $config | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'Name', 'Source', 'Value'
        foreach ($setting in $config) { $lines | Where-Object { $_ -match "^$($setting.Name)\s" } | Should -Not -BeNullOrEmpty }
        Assert-Shows $lines 'PromotionEvidencePath Parameter cavra-runtime.go-backend-promotion-evidence.json'
    }

    It 'evaluation records: decision, backend, action, target, and the rule or fallback reason' {
        $lines = $records | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'Decision', 'Backend', 'Action', 'Target', 'Rule / fallback'
        $lines | Where-Object { $_ -match '^allow\s+dotnet\s+execute_command\s+custom scan' } | Should -Not -BeNullOrEmpty
        # Two wrapped columns interleave line by line: read each one as its own column.
        $header = $lines | Where-Object { $_ -match '\S' } | Select-Object -First 1
        $target = $header.IndexOf('Target'); $rule = $header.IndexOf('Rule / fallback')
        $body = $lines | Select-Object -Skip ([array]::IndexOf($lines, $header) + 2)
        $targets = ($body | ForEach-Object { if ($_.Length -gt $target) { $_.Substring($target, [Math]::Min($rule, $_.Length) - $target).TrimEnd() } }) -join ''
        $rules = ($body | ForEach-Object { if ($_.Length -gt $rule) { $_.Substring($rule).TrimEnd() } }) -join ''
        ($targets -replace '\s', '') | Should -BeLikeExactly '*/home/operator/projects/cavra/deployments/production/secrets/.env*'
        ($rules -replace '\s', '') | Should -BeLikeExactly '*filesystem.read.allow(fallback:gobackendreadinesscheckfailed)*'
    }

    It 'section reports: section, mode, status, and the checks needing attention (warnings marked)' {
        $lines = $verdict.Sections | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'Section', 'Mode', 'Status', 'Attention'
        Assert-Shows $lines 'go_promotion_evidence_binding (warn)'
    }

    It 'a verdict received through Export-Clixml renders the same' {
        $file = Join-Path $TestDrive "verdict-$width.xml"
        $verdict | Export-Clixml -LiteralPath $file
        $copy = Import-Clixml -LiteralPath $file
        ($copy | Get-Rendered -Width $width) | Should -Be ($verdict | Get-Rendered -Width $width)
        ($copy.Steps | Get-Rendered -Width $width) | Should -Be ($verdict.Steps | Get-Rendered -Width $width)
        ($copy.AttentionChecks | Get-Rendered -Width $width) | Should -Be ($verdict.AttentionChecks | Get-Rendered -Width $width)
    }
}

Describe 'Drill notification views at <_> columns' -ForEach 80, 120 {
    BeforeAll {
        $script:width = $_
        Import-Module (Join-Path $PSScriptRoot 'LoopbackReceiver.psm1') -Force
        $receiver = Start-CavraLoopbackReceiver
        try {
            $dir = Join-Path $TestDrive "notify-$width"
            New-Item -ItemType Directory -Path $dir | Out-Null
            $schedule = @{ schema_version = 'cavra.go-backend-rollback-drill-schedule.v1'; schedule_id = 'go_backend_views'; environment = 'production-pilot'
                status = 'active'; interval_days = 30; next_due_at = [DateTimeOffset]::UtcNow.AddDays(5).ToString('o'); owners = @('release-governance')
                notification_providers = @('webhook', 'servicenow'); runbook_ref = 'docs/drill.md' }
            $schedule | ConvertTo-Json | Set-Content (Join-Path $dir 'schedule.json')
            $connectors = @{ connectors = @(@{ provider = 'webhook'; url = (Get-CavraClosedLoopbackUrl); retries = 0 }, @{ provider = 'servicenow'; url = $receiver.Url }) }
            $connectors | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'down.json')
            $connectors.connectors[0].url = $receiver.Url
            $connectors | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'up.json')
            $at = @{ LedgerPath = Join-Path $dir 'ledger.jsonl' }
            $script:deliveries = @(Send-CavraRollbackDrillNotification -SchedulePath (Join-Path $dir 'schedule.json') -ConnectorConfigPath (Join-Path $dir 'down.json') @at -WarningAction SilentlyContinue)
            $script:decision = $deliveries | Where-Object { -not $_.Success } | Approve-CavraDeliveryRetry -DecidedBy release-manager @at
            $script:execution = $decision | Invoke-CavraDeliveryRetry -ExecutedBy release-agent -ConnectorConfigPath (Join-Path $dir 'up.json') @at
            $script:closure = $execution | New-CavraConnectorRecoveryClosure -ClosureState resolved -ClosedBy release-manager @at
            $script:recovery = @(Get-CavraConnectorRecovery @at)
        }
        finally { $receiver.Dispose() }
    }

    It 'deliveries: the whole id, provider, result, attempts, status code, and the owner with the error' {
        $lines = $deliveries | Get-Rendered -Width $width
        Assert-Fits $lines $width
        Assert-Header $lines 'DeliveryId', 'Provider', 'Result', 'Tries', 'Code', 'Owner / error'
        $lines | Where-Object { $_ -match '^gordelivery-[0-9a-f]{16}\s+webhook\s+FAILED\s+1\s+-\s+release-governance' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -match '^gordelivery-[0-9a-f]{16}\s+servicenow\s+delivered\s+1\s+200\s+release-governance' } | Should -Not -BeNullOrEmpty
        Assert-Shows $lines 'connection_refused'
    }

    It 'decisions, executions, closures and recovery state: ids whole, states first' {
        foreach ($case in @(
                @{ Objects = $decision; Header = 'State', 'DeliveryId', 'Provider', 'Expires (UTC)', 'DecidedBy'; Row = '^approved\s+gordelivery-[0-9a-f]{16}\s+webhook\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+release-' }
                @{ Objects = $execution; Header = 'Status', 'Provider', 'ExecutionId', 'Retried / reason'; Row = '^delivered\s+webhook\s+gordackretryexec-[0-9a-f]{16}\s+gordelivery-' }
                @{ Objects = $closure; Header = 'State', 'Provider', 'ClosureId', 'ClosedBy'; Row = '^resolved\s+webhook\s+gordackrecoveryclosure-[0-9a-f]{16}\s+release-' }
                @{ Objects = $recovery; Header = 'Provider', 'Recovered', 'Open', 'Approved', 'Unapproved', 'Delivered', 'Closure'; Row = '^webhook\s+True\s+0\s+0\s+0\s+1 of 1\s+resolved' }
            )) {
            $lines = $case.Objects | Get-Rendered -Width $width
            Assert-Fits $lines $width
            Assert-Header $lines $case.Header
            $lines | Where-Object { $_ -match $case.Row } | Should -Not -BeNullOrEmpty -Because ($lines -join "`n")
        }
    }

    It 'a delivery''s list view shows every attempt, and Format-List * prints values, not type names' {
        $failed = $deliveries | Where-Object { -not $_.Success }
        $text = $failed | Format-List | Out-String -Width $width
        $text | Should -Match 'Attempts\s+: #1 no answer'
        foreach ($o in @($deliveries) + @($decision, $execution, $closure) + $recovery) {
            ($o | Format-List * | Out-String -Width 200) | Should -Not -Match 'Cavra\.Gate\.|System\.Collections\.Generic'
        }
    }
}

Describe 'The verdict list view' {
    It 'names blocking checks FAIL and advisory ones WARN, with the file they read' {
        $lines = $verdict | Get-Rendered -Width 120
        Assert-Fits $lines 120
        Assert-Shows $lines 'FAIL go_rollback_rehearsal_evidence: metadata file is missing: cavra-runtime.go-backend-rollback-rehearsal.json FAIL go_rollback_rehearsal_simulated'
        Assert-Shows $lines 'NeedsAttention : WARN go_promotion_evidence_binding: promotion evidence is not bound to a binary'
    }

    It 'keeps JSON to upstream''s pass/warn' {
        $json = Test-CavraGoPromotion @gate -AsJson
        $json | Should -Match '"status": "warn"'
        $json | Should -Not -Match '"status": "fail"'
        $json | Should -Not -Match '"outcome"'
    }
}

Describe 'List views for detail' {
    It 'a check: id, result, message with its file, and every detail' {
        $check = $verdict.BlockingChecks | Where-Object Id -eq 'go_rollback_rehearsal_evidence'
        $text = ($check | Format-List | Out-String -Width 120)
        $text | Should -Match 'Result\s+: FAIL'
        $text | Should -Match 'Message\s+: metadata file is missing: cavra-runtime\.go-backend-rollback-rehearsal\.json'
        $text | Should -Match 'Details\s+: path: '
    }

    It 'a setting: its environment variable and where the value came from' {
        $text = ($config | Where-Object Name -eq 'RequireBoundEvidence' | Format-List | Out-String -Width 80)
        $text | Should -Match 'EnvironmentVariable\s+: CAVRA_GO_REQUIRE_BOUND_EVIDENCE'
        $text | Should -Match 'Source\s+: Default'
    }

    It 'an evaluation record: the rule, the reason and the runtime''s own decision as JSON' {
        $text = ($records[0] | Format-List | Out-String -Width 120)
        $text | Should -Match 'RuleId\s+: \S'
        $text | Should -Match 'GoDecision\s+: \{"'
    }
}

Describe 'Format-List * prints values, not type names' {
    It '<Name>' -ForEach @(
        @{ Name = 'a verdict'; Get = { $verdict } }
        @{ Name = 'a section report'; Get = { $verdict.Deployment } }
        @{ Name = 'a check with list details (CI runner targets)'; Get = { $verdict.Deployment.Checks | Where-Object Id -eq 'go_ci_runner_bundles' } }
        @{ Name = 'an evaluation record with the runtime''s decision'; Get = { $records[0] } }
        @{ Name = 'a promotion report and its evidence summary'; Get = { $verdict.Promotion } }
    ) {
        $text = (& $Get | Format-List * | Out-String -Width 200)
        $text | Should -Not -Match 'Cavra\.Gate\.' -Because 'every nested object says what it is'
        $text | Should -Not -Match 'System\.Collections\.Generic'
    }

    It 'list details print their items' {
        $check = $verdict.Deployment.Checks | Where-Object Id -eq 'go_ci_runner_bundles'
        [string] $check.Extras['targets'] | Should -Not -BeNullOrEmpty
        [string] $check.Extras['targets'] | Should -Not -Match 'System\.'
    }
}
