# Drill notifications end to end, over real HTTP (docs/design/notifications.md): the cmdlets against an in-process
# loopback receiver (LoopbackReceiver.psm1) that answers 200 or 500, hangs past the connector's timeout, closes the
# connection, or is not there at all. Exact attempt counts and ledger lines, the approval flow and its refusals by error
# id, closures, -WhatIf, pipeline binding, secrets that never leave the connector config, Ctrl+C during a send, the gate
# check, and a writer killed mid-append.

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'LoopbackReceiver.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:receiver = Start-CavraLoopbackReceiver
    # A secret only the connector config's {"env": ...} reference names; a second one is a literal header value.
    $script:secret = 'env-secret-' + [guid]::NewGuid().ToString('n')
    $script:literalSecret = 'literal-secret-' + [guid]::NewGuid().ToString('n')
    $env:CAVRA_TEST_NOTIFY_TOKEN = $secret

    function New-Workspace {
        <# A folder with a due-soon schedule (one owner per name, the given providers) and the ledger's path. #>
        param([string[]] $Providers = @('webhook'), [string[]] $Owners = @('release-governance'), [hashtable] $Extra = @{})
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $schedule = [ordered]@{
            schema_version = 'cavra.go-backend-rollback-drill-schedule.v1'; schedule_id = 'go_backend_notify_test'; environment = 'production-pilot'
            status = 'active'; interval_days = 30; next_due_at = [DateTimeOffset]::UtcNow.AddDays(5).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
            owners = $Owners; notification_providers = $Providers; runbook_ref = 'docs/drill.md'
        }
        foreach ($k in $Extra.Keys) { $schedule[$k] = $Extra[$k] }
        $schedule | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath (Join-Path $dir 'schedule.json')
        [pscustomobject]@{ Dir = $dir; Schedule = Join-Path $dir 'schedule.json'; Ledger = Join-Path $dir 'ledger.jsonl'; Connectors = Join-Path $dir 'connectors.json' }
    }

    function Write-Connectors {
        <# {"connectors": [...]}; each connector a hashtable (provider, url, retries, timeout_seconds, headers). #>
        param([string] $Path, [object[]] $Connector)
        @{ connectors = @($Connector) } | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $Path
    }

    function Connector([string] $Provider, [string] $Url, [int] $Retries = 2, [double] $Timeout = 10) {
        @{ provider = $Provider; url = $Url; retries = $Retries; timeout_seconds = $Timeout
            headers = @{ Authorization = @{ env = 'CAVRA_TEST_NOTIFY_TOKEN' }; 'X-Api-Key' = $literalSecret } }
    }

    function Read-Ledger([string] $Path) { @(Get-Content -LiteralPath $Path | ForEach-Object { $_ | ConvertFrom-Json -DateKind String }) }

    function Send([object] $Ws, [hashtable] $More = @{}) {
        Send-CavraRollbackDrillNotification -SchedulePath $Ws.Schedule -ConnectorConfigPath $Ws.Connectors -LedgerPath $Ws.Ledger @More
    }

    # A workspace whose slack delivery failed (nothing listens), and a config under which slack is back.
    function New-FailedSlack {
        $ws = New-Workspace -Providers slack
        Write-Connectors $ws.Connectors (Connector slack (Get-CavraClosedLoopbackUrl) -Retries 0)
        $failed = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $up = Join-Path $ws.Dir 'up.json'
        Write-Connectors $up (Connector slack $receiver.Url -Retries 0)
        $receiver.Clear(); $receiver.Plan()
        $ws | Add-Member -NotePropertyMembers @{ Failed = $failed; Up = $up } -PassThru
    }
}
AfterAll {
    if ($script:receiver) { $receiver.Dispose() }
    Remove-Item env:CAVRA_TEST_NOTIFY_TOKEN -ErrorAction Ignore
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Send-CavraRollbackDrillNotification over real HTTP' {
    BeforeEach { Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '200' }

    It 'delivers one event per owner and provider, one attempt each, and appends one ledger line per delivery' {
        $ws = New-Workspace -Providers webhook, slack -Owners release-governance, sre
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url), (Connector slack $receiver.Url))
        $out = @(Send $ws)
        $out.Count | Should -Be 4
        $out | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Notifications.DeliveryRecord' }
        @($out | Where-Object { $_.Success -and $_.AttemptCount -eq 1 -and $_.StatusCode -eq 200 }).Count | Should -Be 4
        ($out | ForEach-Object { '{0}/{1}' -f $_.Owner, $_.Provider } | Sort-Object) | Should -Be @('release-governance/slack', 'release-governance/webhook', 'sre/slack', 'sre/webhook')
        $receiver.Count | Should -Be 4
        $lines = Read-Ledger $ws.Ledger
        $lines.Count | Should -Be 4
        $lines.record_type | Sort-Object -Unique | Should -Be 'delivery'
        $lines.delivery_id | Should -Be $out.DeliveryId
        $webhook = $receiver.Requests | Where-Object { $_.Body -match '"event_type"' } | Select-Object -First 1
        ($webhook.Body | ConvertFrom-Json).event_type | Should -Be 'cavra.go_backend.rollback_drill.notification'
    }

    It 'retries a 500: two attempts, the first recorded with its status' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url -Retries 2)
        $receiver.Plan('500')
        $d = Send $ws
        $d.Success | Should -BeTrue
        $d.AttemptCount | Should -Be 2
        $d.Attempts.StatusCode | Should -Be @(500, 200)
        $receiver.Count | Should -Be 2
        (Read-Ledger $ws.Ledger).Count | Should -Be 1
    }

    It 'gives up after 1 + retries attempts on a connector that keeps answering 500, with a warning and no error' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url -Retries 2)
        $receiver.DefaultAnswer = '500'
        $d = Send-CavraRollbackDrillNotification -SchedulePath $ws.Schedule -ConnectorConfigPath $ws.Connectors -LedgerPath $ws.Ledger -WarningVariable w -WarningAction SilentlyContinue -ErrorVariable e
        $d.Success | Should -BeFalse
        $d.AttemptCount | Should -Be 3
        $d.StatusCode | Should -Be 500
        $d.Error | Should -Match 'http_500'
        $receiver.Count | Should -Be 3
        $w.Count | Should -Be 1
        $w[0].Message | Should -Match ([regex]::Escape($d.DeliveryId))
        $e | Should -BeNullOrEmpty
        (Read-Ledger $ws.Ledger)[0].success | Should -BeFalse
    }

    It 'times out an attempt that hangs past timeout_seconds, and retries it' {
        $ws = New-Workspace
        # A short timeout is a setting, not a timed assertion; the receiver's own count is not asserted, because on a loaded
        # machine an attempt can time out before the receiver has read its request.
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url -Retries 1 -Timeout 1)
        $receiver.DefaultAnswer = 'hang'
        $d = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $d.Success | Should -BeFalse
        $d.AttemptCount | Should -Be 2
        $d.StatusCode | Should -BeNullOrEmpty
        $d.Attempts.Error | Should -Be @('timeout', 'timeout')
    }

    It 'records a connection closed without an answer, then the recovery' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url -Retries 2)
        $receiver.Plan('close', 'close')
        $d = Send $ws
        $d.Success | Should -BeTrue
        $d.AttemptCount | Should -Be 3
        $d.Attempts[0].Error | Should -Be 'connection_closed'
        $d.Attempts[2].StatusCode | Should -Be 200
    }

    It 'records a refused connection (nothing listens) as a failed delivery' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook (Get-CavraClosedLoopbackUrl) -Retries 1)
        $d = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $d.Success | Should -BeFalse
        $d.AttemptCount | Should -Be 2
        $d.Attempts.Error | Should -Be @('connection_refused', 'connection_refused')
    }

    It 'records a provider without a connector as a failed delivery with no attempt, and still delivers the others' {
        $ws = New-Workspace -Providers webhook, teams
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url)
        $out = @(Send $ws -More @{ WarningAction = 'SilentlyContinue' })
        $teams = $out | Where-Object Provider -eq teams
        $teams.Success | Should -BeFalse
        $teams.AttemptCount | Should -Be 0
        $teams.Error | Should -Match 'no connector configured for provider teams'
        ($out | Where-Object Provider -eq webhook).Success | Should -BeTrue
        $receiver.Count | Should -Be 1
        (Read-Ledger $ws.Ledger).Count | Should -Be 2
    }

    It '-WhatIf sends nothing and writes nothing' {
        $ws = New-Workspace -Providers webhook, slack
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url), (Connector slack $receiver.Url))
        $out = Send $ws -More @{ WhatIf = $true }
        $out | Should -BeNullOrEmpty
        $receiver.Count | Should -Be 0
        Test-Path -LiteralPath $ws.Ledger | Should -BeFalse
    }

    It 'sends nothing for a route a maintenance window suppresses now' {
        $window = @{ start_at = [DateTimeOffset]::UtcNow.AddHours(-1).ToString('o'); end_at = [DateTimeOffset]::UtcNow.AddHours(1).ToString('o'); providers = @('slack') }
        $ws = New-Workspace -Providers webhook, slack -Extra @{ maintenance_windows = @($window) }
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url), (Connector slack $receiver.Url))
        $out = @(Send $ws)
        $out.Provider | Should -Be @('webhook')
        $receiver.Count | Should -Be 1
    }

    It 'reads the schedule, connector config and ledger from the environment' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url)
        $env:CAVRA_GO_ROLLBACK_DRILL_SCHEDULE = $ws.Schedule
        $env:CAVRA_CONNECTOR_CONFIG = $ws.Connectors
        $env:CAVRA_GO_NOTIFICATION_LEDGER = $ws.Ledger
        (Send-CavraRollbackDrillNotification).Success | Should -BeTrue
        (Get-CavraNotificationDelivery).Count | Should -Be 1
    }

    It 'refuses an unusable connector config before sending: ConnectorConfigInvalid' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors @{ provider = 'pager'; url = $receiver.Url }
        { Send $ws } | Should -Throw -ErrorId 'ConnectorConfigInvalid,*'
        $receiver.Count | Should -Be 0
        Test-Path -LiteralPath $ws.Ledger | Should -BeFalse
    }

    It 'stops with <Id> when nothing names the <What>' -ForEach @(
        @{ What = 'ledger'; Id = 'NotificationLedgerNotConfigured'; Drop = 'LedgerPath' }
        @{ What = 'connector config'; Id = 'ConnectorConfigNotConfigured'; Drop = 'ConnectorConfigPath' }
        @{ What = 'schedule'; Id = 'RollbackDrillScheduleNotConfigured'; Drop = 'SchedulePath' }
    ) {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url)
        $p = @{ SchedulePath = $ws.Schedule; ConnectorConfigPath = $ws.Connectors; LedgerPath = $ws.Ledger }
        $p.Remove($Drop)
        { Send-CavraRollbackDrillNotification @p } | Should -Throw -ErrorId "$Id,*"
        $receiver.Count | Should -Be 0
    }

    It 'refuses a schedule it cannot plan (RollbackDrillScheduleInvalid) and a ledger it cannot use (NotificationLedgerInvalid), sending nothing' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url)
        { Send-CavraRollbackDrillNotification -SchedulePath (Join-Path $ws.Dir 'missing.json') -ConnectorConfigPath $ws.Connectors -LedgerPath $ws.Ledger } |
            Should -Throw -ErrorId 'RollbackDrillScheduleInvalid,*'
        $dir = New-Item -ItemType Directory -Path (Join-Path $ws.Dir 'ledger-dir')
        Send-CavraRollbackDrillNotification -SchedulePath $ws.Schedule -ConnectorConfigPath $ws.Connectors -LedgerPath $dir.FullName -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationLedgerInvalid,*'
        $receiver.Count | Should -Be 0
    }

    It 'Ctrl+C (StopProcessing) cancels an HTTP attempt in flight, long before its timeout' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url -Retries 0 -Timeout 120)
        $receiver.DefaultAnswer = 'hang'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:CAVRA_MODULE_MANIFEST).AddStatement().
                AddCommand('Send-CavraRollbackDrillNotification').AddParameter('SchedulePath', $ws.Schedule).
                AddParameter('ConnectorConfigPath', $ws.Connectors).AddParameter('LedgerPath', $ws.Ledger)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while ($receiver.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $receiver.Count | Should -Be 1 -Because 'the request is in flight'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'stopping cancels the attempt instead of waiting out its 120 s timeout'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Test-Path -LiteralPath $ws.Ledger | Should -BeFalse -Because 'a cancelled delivery is not recorded as a failure'
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Approvals and live retries' {
    BeforeEach { Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '200' }

    It 'refuses a retry without any approval (RetryNotAuthorized), sends nothing, and records a skipped execution saying why' {
        $ws = New-FailedSlack
        Invoke-CavraDeliveryRetry -DeliveryId $ws.Failed.DeliveryId -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RetryNotAuthorized,*'
        $e[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e[0].TargetObject.ExecutionStatus | Should -Be 'skipped'
        $receiver.Count | Should -Be 0
        $last = (Read-Ledger $ws.Ledger)[-1]
        $last.record_type | Should -Be 'retry_execution'
        $last.execution_status | Should -Be 'skipped'
        $last.reason | Should -Match 'no retry approval'
        $last.approval_decision_id | Should -Be ''
    }

    It 'retries live under a current approval: a delivery with retry_of and a delivered execution whose hash verifies' {
        $ws = New-FailedSlack
        $decision = $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -ExternalRef CHG-1 -LedgerPath $ws.Ledger
        $decision.ApprovalState | Should -Be 'approved'
        $decision.DecisionId | Should -Match '^gordackretryapprovaldecision-[0-9a-f]{16}$'
        ([DateTimeOffset] $decision.ExpiresAt - [DateTimeOffset] $decision.DecidedAt).TotalHours | Should -Be 24
        $exec = $decision | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger
        $exec.ExecutionStatus | Should -Be 'delivered'
        $exec.ExecutionId | Should -Match '^gordackretryexec-[0-9a-f]{16}$'
        $exec.ApprovalDecisionId | Should -Be $decision.DecisionId
        $exec.HashValid | Should -BeTrue
        $receiver.Count | Should -Be 1
        $lines = Read-Ledger $ws.Ledger
        $lines.record_type | Should -Be @('delivery', 'retry_approval_decision', 'delivery', 'retry_execution')
        $lines[2].retry_of | Should -Be $ws.Failed.DeliveryId
        $lines[2].success | Should -BeTrue
        $exec.EvidenceRefs | Should -Be @($lines[2].delivery_id)
        (Get-CavraConnectorRecovery -LedgerPath $ws.Ledger).Recovered | Should -BeTrue
    }

    It 'lets the latest decision win: a denial after an approval revokes it' {
        $ws = New-FailedSlack
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Out-Null
        $ws.Failed | Deny-CavraDeliveryRetry -DecidedBy bob -Notes 'not during the freeze' -LedgerPath $ws.Ledger | Select-Object -ExpandProperty ApprovalState | Should -Be 'denied'
        $ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RetryNotAuthorized,*'
        $e[0].TargetObject.Reason | Should -Match 'denied'
        $receiver.Count | Should -Be 0
    }

    It 'refuses a retry after the approval expired' {
        $ws = New-FailedSlack
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -ValidFor ([TimeSpan]::FromTicks(10)) -LedgerPath $ws.Ledger | Out-Null
        $ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RetryNotAuthorized,*'
        $e[0].TargetObject.Reason | Should -Match 'expire'
        $receiver.Count | Should -Be 0
    }

    It 'accepts a new approval after a denial' {
        $ws = New-FailedSlack
        $ws.Failed | Deny-CavraDeliveryRetry -DecidedBy bob -LedgerPath $ws.Ledger | Out-Null
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Out-Null
        ($ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger).ExecutionStatus | Should -Be 'delivered'
    }

    It 'refuses decisions and retries for a delivery the ledger does not hold (DeliveryNotFound), writing nothing' {
        $ws = New-FailedSlack
        $before = (Get-Content -LiteralPath $ws.Ledger).Count
        Approve-CavraDeliveryRetry -DeliveryId gordelivery-0000000000000000 -Provider slack -DecidedBy alice -LedgerPath $ws.Ledger -ErrorVariable e1 -ErrorAction SilentlyContinue
        Invoke-CavraDeliveryRetry -DeliveryId gordelivery-0000000000000000 -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryNotFound,*'
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryNotFound,*'
        (Get-Content -LiteralPath $ws.Ledger).Count | Should -Be $before
    }

    It 'refuses an approval scoped to another provider (DeliveryProviderMismatch)' {
        $ws = New-FailedSlack
        Approve-CavraDeliveryRetry -DeliveryId $ws.Failed.DeliveryId -Provider teams -DecidedBy alice -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryProviderMismatch,*'
    }

    It 'refuses to retry a delivery that succeeded (DeliveryAlreadySucceeded) and a -ValidFor of zero (InvalidValidFor)' {
        $ws = New-Workspace
        Write-Connectors $ws.Connectors (Connector webhook $receiver.Url)
        $ok = Send $ws
        $ok | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -ErrorVariable e1 -ErrorAction SilentlyContinue
        $ok | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Connectors -LedgerPath $ws.Ledger -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryAlreadySucceeded,*'
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryAlreadySucceeded,*'
        { $ok | Approve-CavraDeliveryRetry -DecidedBy alice -ValidFor 0 -LedgerPath $ws.Ledger } | Should -Throw -ErrorId 'InvalidValidFor,*'
        (Read-Ledger $ws.Ledger).Count | Should -Be 1
    }

    It 'without -DeliveryId retries exactly the failed deliveries that hold a current approval' {
        $ws = New-Workspace -Providers webhook, slack
        Write-Connectors $ws.Connectors @((Connector webhook (Get-CavraClosedLoopbackUrl) -Retries 0), (Connector slack (Get-CavraClosedLoopbackUrl) -Retries 0))
        $failed = @(Send $ws -More @{ WarningAction = 'SilentlyContinue' })
        $failed.Count | Should -Be 2
        $failed | Where-Object Provider -eq slack | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Out-Null
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url -Retries 0), (Connector slack $receiver.Url -Retries 0))
        $receiver.Clear()
        $out = @(Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Connectors -LedgerPath $ws.Ledger)
        $out.Count | Should -Be 1
        $out.Provider | Should -Be 'slack'
        $receiver.Count | Should -Be 1
        # Done once: a second run finds nothing more to retry.
        @(Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Connectors -LedgerPath $ws.Ledger).Count | Should -Be 0
        $receiver.Count | Should -Be 1
    }

    It 'records a live retry that fails again as a failed execution with a warning; the failure stays open' {
        $ws = New-FailedSlack
        $receiver.DefaultAnswer = '500'
        $exec = $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger |
            Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -WarningVariable w -WarningAction SilentlyContinue
        $exec.ExecutionStatus | Should -Be 'failed'
        $exec.Reason | Should -Match 'http_500'
        $w.Count | Should -Be 1
        $state = Get-CavraConnectorRecovery slack -LedgerPath $ws.Ledger
        $state.Recovered | Should -BeFalse
        $state.OpenFailures | Should -Be 1
    }

    It 'approves only what a live retry may repeat: not a failed retry (DeliveryIsRetry), not a delivery a retry delivered (DeliveryAlreadySucceeded)' {
        $ws = New-FailedSlack
        $receiver.DefaultAnswer = '500'
        $null = $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger |
            Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -WarningAction SilentlyContinue
        $failedRetry = Get-CavraNotificationDelivery -Failed -LedgerPath $ws.Ledger | Where-Object RetryOf -eq $ws.Failed.DeliveryId
        $failedRetry | Should -Not -BeNullOrEmpty
        $before = (Get-Content -LiteralPath $ws.Ledger).Count
        # The documented pipeline lists failed retries too: approving one would record an approval no retry can use.
        Get-CavraNotificationDelivery -Failed -LedgerPath $ws.Ledger | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -ErrorVariable e1 -ErrorAction SilentlyContinue |
            Should -HaveCount 1
        @($e1).Count | Should -Be 1
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryIsRetry,*'
        (Get-Content -LiteralPath $ws.Ledger).Count | Should -Be ($before + 1)

        $receiver.DefaultAnswer = '200'
        $null = Invoke-CavraDeliveryRetry $ws.Failed.DeliveryId -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'DeliveryAlreadySucceeded,*'
        { Invoke-CavraDeliveryRetry $ws.Failed.DeliveryId -ExecutedBy ' ' -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'binds the whole flow by property name: Get -Failed | Approve | Invoke | New-CavraConnectorRecoveryClosure' {
        $ws = New-FailedSlack
        $env:CAVRA_GO_NOTIFICATION_LEDGER = $ws.Ledger
        $closure = Get-CavraNotificationDelivery -Failed |
            Approve-CavraDeliveryRetry -DecidedBy alice |
            Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up |
            New-CavraConnectorRecoveryClosure -ClosureState resolved -ClosedBy alice -ExternalRef INC-1
        $closure.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Notifications.ConnectorRecoveryClosure'
        $closure.Provider | Should -Be 'slack'
        $closure.ClosureState | Should -Be 'resolved'
        $closure.VerificationRefs | Should -Be @((Read-Ledger $ws.Ledger | Where-Object execution_status -eq delivered).execution_id)
        $state = Get-CavraConnectorRecovery
        $state.ClosureState | Should -Be 'resolved'
        $state.Recovered | Should -BeTrue
    }

    It '-WhatIf on Approve, Deny, Invoke and the closure sends and writes nothing' {
        $ws = New-FailedSlack
        $before = [IO.File]::ReadAllText($ws.Ledger)
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -WhatIf | Should -BeNullOrEmpty
        $ws.Failed | Deny-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -WhatIf | Should -BeNullOrEmpty
        [IO.File]::ReadAllText($ws.Ledger) | Should -BeExactly $before
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Out-Null
        $before = [IO.File]::ReadAllText($ws.Ledger)
        $ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -WhatIf | Should -BeNullOrEmpty
        $receiver.Count | Should -Be 0
        [IO.File]::ReadAllText($ws.Ledger) | Should -BeExactly $before
        $exec = $ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger
        $before = [IO.File]::ReadAllText($ws.Ledger)
        $exec | New-CavraConnectorRecoveryClosure -ClosureState resolved -ClosedBy alice -LedgerPath $ws.Ledger -WhatIf | Should -BeNullOrEmpty
        [IO.File]::ReadAllText($ws.Ledger) | Should -BeExactly $before
    }
}

Describe 'Reading the ledger' {
    BeforeEach { Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '200' }

    It 'filters by -Failed, -Provider, -DeliveryId and -Since' {
        $ws = New-Workspace -Providers webhook, slack
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url), (Connector slack (Get-CavraClosedLoopbackUrl) -Retries 0))
        $sent = @(Send $ws -More @{ WarningAction = 'SilentlyContinue' })
        $at = @{ LedgerPath = $ws.Ledger }
        @(Get-CavraNotificationDelivery @at).Count | Should -Be 2
        (Get-CavraNotificationDelivery -Failed @at).Provider | Should -Be 'slack'
        (Get-CavraNotificationDelivery -Provider WEBHOOK @at).Success | Should -BeTrue
        (Get-CavraNotificationDelivery $sent[1].DeliveryId @at).DeliveryId | Should -Be $sent[1].DeliveryId
        @(Get-CavraNotificationDelivery -Since (Get-Date).AddMinutes(-5) @at).Count | Should -Be 2
        @(Get-CavraNotificationDelivery -Since (Get-Date).AddMinutes(5) @at).Count | Should -Be 0
        Get-CavraNotificationDelivery -LedgerPath (Join-Path $ws.Dir 'none.jsonl') | Should -BeNullOrEmpty
    }

    It '-AsJson emits each delivery and each provider row as the canonical snake_case JSON of the object, with the filters applied' {
        $ws = New-Workspace -Providers webhook, slack
        Write-Connectors $ws.Connectors @((Connector webhook $receiver.Url), (Connector slack (Get-CavraClosedLoopbackUrl) -Retries 0))
        $null = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $at = @{ LedgerPath = $ws.Ledger }
        $json = @(Get-CavraNotificationDelivery -Failed -AsJson @at)
        $json.Count | Should -Be 1
        $json[0] | Should -BeOfType [string]
        $d = $json[0] | ConvertFrom-Json -DateKind String
        $failed = Get-CavraNotificationDelivery -Failed @at
        ($d.delivery_id, $d.provider, $d.success, $d.attempt_count, $d.schema_version) | Should -Be @($failed.DeliveryId, 'slack', $false, 1, 'cavra.connector.delivery.v1')
        # The same fields as the ledger line (the ledger adds nothing the JSON leaves out).
        $line = (Read-Ledger $ws.Ledger) | Where-Object delivery_id -eq $failed.DeliveryId
        ($d | ConvertTo-Json -Depth 8 -Compress) | Should -Be ($line | ConvertTo-Json -Depth 8 -Compress)

        $rows = @(Get-CavraConnectorRecovery -AsJson @at | ConvertFrom-Json -DateKind String)
        ($rows.provider | Sort-Object) | Should -Be @('slack', 'webhook')
        $slack = $rows | Where-Object provider -eq slack
        ($slack.open_failures, $slack.recovered) | Should -Be @(1, $false)
        @(Get-CavraConnectorRecovery webhook -AsJson @at).Count | Should -Be 1
    }

    It 'names a malformed line (NotificationLedgerInvalid) and still returns the readable records' {
        $ws = New-FailedSlack
        Add-Content -LiteralPath $ws.Ledger -Value '{"record_type": "delivery", "delivery_id": 42}'
        $ok = @(Get-CavraNotificationDelivery -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue)
        $ok.Count | Should -Be 1
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationLedgerInvalid,*'
        $e[0].Exception.Message | Should -Match 'line 2'
    }

    It 'refuses a ledger path on another provider (PathNotFileSystem)' {
        { Get-CavraNotificationDelivery -LedgerPath Env:PATH } | Should -Throw -ErrorId 'PathNotFileSystem,*'
    }

    It 'names a ledger that is a directory as such (NotificationLedgerInvalid), not as a missing delivery' {
        $ws = New-FailedSlack
        $dir = New-Item -ItemType Directory -Path (Join-Path $ws.Dir 'ledger-dir')
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $dir.FullName -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationLedgerInvalid,*'
    }

    It 'never appends through a symbolic link (NotificationLedgerPathNotRegularFile)' -Skip:$IsWindows {
        $ws = New-FailedSlack
        $link = Join-Path $ws.Dir 'link.jsonl'
        New-Item -ItemType SymbolicLink -Path $link -Target $ws.Ledger | Out-Null
        $before = [IO.File]::ReadAllText($ws.Ledger)
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $link -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NotificationLedgerPathNotRegularFile,*'
        [IO.File]::ReadAllText($ws.Ledger) | Should -BeExactly $before
    }
}

Describe 'Connector recovery closures' {
    BeforeEach { Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '200' }

    It 'refuses a closure citing <Case> (ClosureNotVerified), writing nothing' -ForEach @(
        @{ Case = 'an execution id the ledger does not hold'; Ref = { 'gordackretryexec-0000000000000000' }; Message = 'gordackretryexec-0000000000000000' }
        @{ Case = 'a skipped execution'; Ref = { param($ws) (Read-Ledger $ws.Ledger | Where-Object execution_status -eq skipped).execution_id }; Message = 'skipped' }
    ) {
        $ws = New-FailedSlack
        $ws.Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger -ErrorAction SilentlyContinue
        $before = [IO.File]::ReadAllText($ws.Ledger)
        New-CavraConnectorRecoveryClosure -Provider slack -ClosureState resolved -ClosedBy alice -VerificationRef (& $Ref $ws) -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ClosureNotVerified,*'
        $e[0].Exception.Message | Should -Match ([regex]::Escape($Message))
        [IO.File]::ReadAllText($ws.Ledger) | Should -BeExactly $before
    }

    It 'refuses a delivered execution of another provider' {
        $ws = New-FailedSlack
        $exec = $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger
        New-CavraConnectorRecoveryClosure -Provider teams -ClosureState resolved -ClosedBy alice -VerificationRef $exec.ExecutionId -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ClosureNotVerified,*'
    }

    It 'closes the failures before it; a later failure of the provider is open again' {
        $ws = New-FailedSlack
        $exec = $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger
        # A second failure, closed by the same evidence: mitigated closes it too.
        $second = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $second.Success | Should -BeFalse
        (Get-CavraConnectorRecovery slack -LedgerPath $ws.Ledger).OpenFailures | Should -Be 1
        $closure = New-CavraConnectorRecoveryClosure -Provider slack -ClosureState MITIGATED -ClosedBy alice -VerificationRef $exec.ExecutionId -LedgerPath $ws.Ledger
        $closure.ClosureState | Should -Be 'mitigated'
        $closure.Closes | Should -BeTrue
        (Get-CavraConnectorRecovery slack -LedgerPath $ws.Ledger).OpenFailures | Should -Be 0
        $third = Send $ws -More @{ WarningAction = 'SilentlyContinue' }
        $third.Success | Should -BeFalse
        $state = Get-CavraConnectorRecovery slack -LedgerPath $ws.Ledger
        $state.OpenFailures | Should -Be 1
        $state.OpenDeliveryIds | Should -Be @($third.DeliveryId)
    }
}

Describe 'The gate check go_rollback_drill_notification_recovery' {
    BeforeAll {
        $script:gateRoot = Join-Path $TestDrive 'gate'
        $script:gate = New-CavraTestEvidenceSet -Path $gateRoot
    }
    BeforeEach { Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '200' }

    It 'keeps the gate closed while a provider has an open failure, and opens it after a retry and a closure' {
        $ws = New-FailedSlack
        $p = $gate.Clone(); $p.RollbackDrillSchedulePath = $ws.Schedule; $p.ConnectorConfigPath = $ws.Up; $p.NotificationLedgerPath = $ws.Ledger
        $check = { (Test-CavraGoPromotion @p).Sections | ForEach-Object Checks | Where-Object Id -eq 'go_rollback_drill_notification_recovery' }
        $before = & $check
        $before.Passed | Should -BeFalse
        $before.Message | Should -Match 'slack'
        (Test-CavraGoPromotion @p -Quiet) | Should -BeFalse
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger | Invoke-CavraDeliveryRetry -ExecutedBy ops -ConnectorConfigPath $ws.Up -LedgerPath $ws.Ledger |
            New-CavraConnectorRecoveryClosure -ClosureState resolved -ClosedBy alice -LedgerPath $ws.Ledger | Out-Null
        (& $check).Passed | Should -BeTrue
    }

    It 'is not there without a connector config' {
        $ws = New-FailedSlack
        $p = $gate.Clone(); $p.RollbackDrillSchedulePath = $ws.Schedule; $p.NotificationLedgerPath = $ws.Ledger
        (Test-CavraGoPromotion @p).Sections | ForEach-Object Checks | Where-Object Id -eq 'go_rollback_drill_notification_recovery' | Should -BeNullOrEmpty
    }
}

Describe 'Secrets never leave the connector config' {
    It 'appear in no record, ledger line, warning, error, verbose line, view, JSON or HTML report, but reach the receiver' {
        Clear-CavraEnvironment; $receiver.Clear(); $receiver.Plan(); $receiver.DefaultAnswer = '500'
        $ws = New-Workspace -Providers webhook, slack
        $querySecret = 'query-secret-' + [guid]::NewGuid().ToString('n')
        Write-Connectors $ws.Connectors @((Connector webhook ($receiver.Url + '?token=' + $querySecret) -Retries 1), (Connector slack (Get-CavraClosedLoopbackUrl) -Retries 0))
        $env:CAVRA_CONNECTOR_CONFIG = $ws.Connectors
        $env:CAVRA_GO_NOTIFICATION_LEDGER = $ws.Ledger
        $env:CAVRA_GO_ROLLBACK_DRILL_SCHEDULE = $ws.Schedule
        $text = [Text.StringBuilder]::new()
        function Collect { process { $null = $text.AppendLine(($_ | Format-List * -Force | Out-String -Width 300)); $null = $text.AppendLine(($_ | Out-String -Width 300)); $_ } }
        # Errors are expected (refused retries); they are collected, not thrown, and searched like everything else.
        $q = @{ Verbose = $true; ErrorAction = 'SilentlyContinue'; ErrorVariable = '+errs'; WarningAction = 'Continue' }
        $errs = [Collections.ArrayList]::new()
        $all = @(
            Send-CavraRollbackDrillNotification @q *>&1 | Collect
            Send-CavraRollbackDrillNotification -WhatIf @q *>&1 | Collect
            Get-CavraNotificationDelivery -Failed | Where-Object Provider -eq webhook | Invoke-CavraDeliveryRetry -ExecutedBy ops @q *>&1 | Collect
            Get-CavraNotificationDelivery -Failed | Where-Object RetryOf -eq '' | Approve-CavraDeliveryRetry -DecidedBy alice @q *>&1 | Collect
            Invoke-CavraDeliveryRetry -ExecutedBy ops @q *>&1 | Collect
            Get-CavraNotificationDelivery -Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops @q *>&1 | Collect
            Get-CavraConnectorRecovery @q *>&1 | Collect
            Get-CavraNotificationDelivery | Format-List | Out-String -Width 300
        )
        $null = $text.AppendLine(($all | Out-String -Width 300))
        # -WhatIf and -Confirm text goes to the host, not a stream: a transcript catches it.
        $transcript = Join-Path $ws.Dir 'whatif.txt'
        $null = Start-Transcript -LiteralPath $transcript
        try { Send-CavraRollbackDrillNotification -WhatIf; Get-CavraNotificationDelivery -Failed | Invoke-CavraDeliveryRetry -ExecutedBy ops -WhatIf } finally { $null = Stop-Transcript }
        $whatIf = [IO.File]::ReadAllText($transcript)
        $whatIf | Should -Match 'What if: Notification plan'
        $null = $text.AppendLine($whatIf)
        $errs.Count | Should -BeGreaterThan 0 -Because 'refused retries are part of what is searched'
        $null = $text.AppendLine(($errs | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 300; $_.Exception.ToString(); $_.TargetObject | Format-List * | Out-String -Width 300 } | Out-String))
        $null = $text.AppendLine([IO.File]::ReadAllText($ws.Ledger))
        $p = (New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'secrets-gate')); $p.Remove('RollbackDrillSchedulePath')
        $null = $text.AppendLine((Test-CavraGoPromotion @p -AsJson))
        $html = Join-Path $ws.Dir 'report.html'
        Export-CavraReadinessReport -Path $html @p | Out-Null
        $htmlText = [IO.File]::ReadAllText($html)
        $htmlText | Should -Match 'go_rollback_drill_notification_recovery' -Because 'the HTML report shows the check'
        $htmlText | Should -Match 'providers: slack: 1 open failure' -Because 'with its per-provider details'
        $null = $text.AppendLine($htmlText)

        $all.Count | Should -BeGreaterThan 5
        $receiver.Count | Should -BeGreaterThan 0
        ($receiver.Requests.Headers -join "`n") | Should -Match ([regex]::Escape($secret)) -Because 'the secret is sent to the connector, and only there'
        ($receiver.Requests.Path -join "`n") | Should -Match ([regex]::Escape($querySecret))
        foreach ($s in $secret, $literalSecret, $querySecret) { $text.ToString() | Should -Not -Match ([regex]::Escape($s)) }
    }
}

Describe 'A writer killed mid-append' {
    It 'leaves a ledger of whole JSON lines (a torn tail is moved aside by the next append), never losing a line' {
        Clear-CavraEnvironment
        $ws = New-FailedSlack
        $id = $ws.Failed.DeliveryId
        # Decisions with a 16 KiB note: each append is one large write, so a kill can land inside one.
        # Bounded (500 appends, about 8 MiB) so a writer that is never killed cannot fill the disk or the ledger's cap.
        $script = "Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; `$n = 'x' * 16384; " +
            "foreach (`$i in 1..500) { `$null = Deny-CavraDeliveryRetry -DeliveryId '$id' -Provider slack -DecidedBy writer -Notes `$n -LedgerPath '$($ws.Ledger)' }"
        $child = Start-CavraChildPwsh -Script $script
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(5)
            $ledger = $ws.Ledger
            while ([IO.FileInfo]::new($ledger).Length -lt 40 * 16384 -and [DateTime]::UtcNow -lt $deadline -and -not $child.HasExited) { Start-Sleep -Milliseconds 20 }
            $child.HasExited | Should -BeFalse -Because "the writer runs until killed: $($child.StandardErrorText.Result)"
            $child.Kill($true)
            $null = $child.WaitForExit(60000)
        }
        finally { if (-not $child.HasExited) { $child.Kill($true) } }
        $whole = @((Get-Content -LiteralPath $ws.Ledger -Raw) -split "`n" | Select-Object -SkipLast 1)
        $whole.Count | Should -BeGreaterThan 10
        $whole | ForEach-Object { { $_ | ConvertFrom-Json } | Should -Not -Throw }
        # The next append repairs a torn tail (if the kill left one) and keeps every whole line.
        $ws.Failed | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath $ws.Ledger -WarningAction SilentlyContinue | Out-Null
        $after = @(Get-Content -LiteralPath $ws.Ledger)
        [IO.File]::ReadAllText($ws.Ledger) | Should -Match "`n\z"
        $after | ForEach-Object { ($_ | ConvertFrom-Json).record_type | Should -BeIn 'delivery', 'retry_approval_decision' }
        $after.Count | Should -Be ($whole.Count + 1)
        $after[0..($whole.Count - 1)] | Should -Be $whole
        Get-CavraNotificationDelivery -LedgerPath $ws.Ledger -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e | Should -BeNullOrEmpty
    }
}
