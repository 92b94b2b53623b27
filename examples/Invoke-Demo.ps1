<#
.SYNOPSIS
    The README's first command: authors a fresh evidence set with the module's own cmdlets, evaluates the Go backend
    promotion gate over it (GO), then shows the gate failing closed.
.DESCRIPTION
    The files in examples/evidence are upstream CAVRA's own fixtures, with fixed dates: evaluated as they are, they go
    stale (a drill older than 30 days, an overdue schedule). So the demo never evaluates them directly. It writes a
    fresh copy, stamped to the current time, into a temporary folder:
      - promotion evidence, rollback plan, rollback rehearsal and drill history with New-CavraPromotionEvidence,
        New-CavraRollbackPlan, New-CavraRollbackRehearsal and Add-CavraRollbackDrill (every date comes from the
        cmdlets, relative to now), carrying the fixtures' approval ids, limits and references;
      - the drill schedule and the four deployment metadata files, which have no authoring cmdlet, copied from the
        fixtures; the schedule's fixed next_due_at is left out, so its due date follows from the drill just recorded
        (latest drill + interval_days).
    Then it shows the verdict (GO), routes a few agent actions through the pilot, notifies the schedule's owners over
    HTTP (a loopback receiver that fails, then recovers: the recovery check fails until an approved live retry delivers
    and a closure cites it), and repeats the verdict and the actions with the drill history missing: the verdict names the failing step and every decision falls back to the built-in .NET backend.
    The temporary folder is removed at the end unless -KeepEvidence is given.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    # The runtime the gate checks for; build.ps1 passes the stand-in cavra-runtime built from tests/.
    [Parameter(Mandatory)] [string] $RuntimePath,
    # Keep the authored evidence folder (its path is printed) instead of removing it.
    [switch] $KeepEvidence
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$fixtures = Join-Path $PSScriptRoot 'evidence'
$policyPath = Join-Path $PSScriptRoot 'policy/compiled_policy.json'
$evidence = Join-Path ([IO.Path]::GetTempPath()) ('cavra-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
New-Item -ItemType Directory -Path $evidence | Out-Null

function Show-Verdict([object] $Verdict) {
    # One line a script (and tests/pester/Demo.Tests.ps1) can find, then the full view.
    if ($Verdict.GoSelected) { Write-Host "Verdict: GO. $($Verdict.Summary)" -ForegroundColor Green }
    else { Write-Host "Verdict: NO-GO at step $($Verdict.FailedStep). $($Verdict.Summary)" -ForegroundColor Red }
    $Verdict | Format-List | Out-String -Width 220 | Write-Host
}

try {
    $name = 'cavra-runtime.go-backend-{0}.json'
    $gate = @{
        Mode                      = 'Promoted'
        RuntimePath               = $RuntimePath
        PolicyPath                = $policyPath
        PackageDir                = $evidence
        PromotionEvidencePath     = Join-Path $evidence ($name -f 'promotion-evidence')
        RollbackPlanPath          = Join-Path $evidence ($name -f 'rollback-plan')
        RollbackRehearsalPath     = Join-Path $evidence ($name -f 'rollback-rehearsal')
        RollbackDrillHistoryPath  = Join-Path $evidence ($name -f 'rollback-drills')
        RollbackDrillSchedulePath = Join-Path $evidence ($name -f 'rollback-drill-schedule')
    }

    Write-Host "Authoring a fresh evidence set in $evidence (stamped $((Get-Date).ToUniversalTime().ToString('u'))):" -ForegroundColor Cyan
    $authored = @(
        New-CavraRollbackPlan -Path $gate.RollbackPlanPath -ApprovalId apr_go_backend_rollback -Approved -MaxRecoveryMinutes 15 -Step @(
            'Set CAVRA_GO_BACKEND_MODE=disabled.'
            'Restart API, CI runner, or workstation process using CAVRA.'
            'Capture go rollback readiness and production readiness reports.'
        ) -EvidenceRef 'go-rollback-readiness://ci/ready', 'go-promotion-rollback-runbook://docs/current'
        New-CavraRollbackRehearsal -Path $gate.RollbackRehearsalPath -RollbackPlanPath $gate.RollbackPlanPath -Status pass -Simulated `
            -FallbackVerified -RecoveryMinutes 6 -RunbookRef docs/go-backend-rollback-rehearsal.md `
            -EvidenceRef 'go-rollback-rehearsal://ci/fallback-restored', 'go-production-readiness://ci/after-rehearsal'
        Add-CavraRollbackDrill -Path $gate.RollbackDrillHistoryPath -Environment production-pilot -DrillId drill_go_backend_python_fallback `
            -Actor release-agent -Status pass -FallbackVerified -RecoveryMinutes 7 -MaxRecoveryMinutes 15 `
            -RunbookRef docs/go-backend-rollback-drill-history.md `
            -EvidenceRef 'go-rollback-drill://ci/python-fallback-restored', 'go-production-readiness://ci/post-drill-ready'
        # Valid for 30 days from now, bound to the SHA-256 of this runtime binary and compiled policy.
        New-CavraPromotionEvidence -Path $gate.PromotionEvidencePath -ParityStatus pass -DeploymentStatus ready -Approved `
            -ApprovalId apr_go_backend_promotion -EvidenceRef 'go-runtime-parity://ci/238-passed', 'go-deployment-readiness://ci/ready' `
            -ValidFor ([TimeSpan]::FromDays(30)) -RuntimePath $RuntimePath -PolicyPath $policyPath
    )
    foreach ($a in $authored) { Write-Host ('  wrote {0}' -f (Split-Path -Leaf $a.Path)) }

    # No authoring cmdlet for these: copies of the fixtures. The schedule drops its fixed next_due_at (due = latest drill + interval).
    foreach ($file in 'endpoint-deployment', 'ci-runner-bundles', 'channels', 'updater-policy') {
        Copy-Item -LiteralPath (Join-Path $fixtures "cavra-runtime.$file.json") -Destination $evidence
    }
    $schedule = Get-Content -Raw -LiteralPath (Join-Path $fixtures ($name -f 'rollback-drill-schedule')) | ConvertFrom-Json
    $schedule.PSObject.Properties.Remove('next_due_at')
    [IO.File]::WriteAllText($gate.RollbackDrillSchedulePath, ($schedule | ConvertTo-Json -Depth 5), [Text.UTF8Encoding]::new($false))
    Write-Host "Copied the deployment metadata and the drill schedule (due $($schedule.interval_days) days after the latest drill)." -ForegroundColor Cyan
    Write-Host ''

    Write-Host 'Test-CavraGoPromotion over the fresh evidence (promoted mode):' -ForegroundColor Cyan
    $verdict = Test-CavraGoPromotion @gate
    Show-Verdict $verdict
    Write-Host 'Every check, section by section:' -ForegroundColor Cyan
    foreach ($section in $verdict.Sections) {
        Write-Host ("{0} ({1})" -f $section.Section, $section.Status) -ForegroundColor Yellow
        $section.Checks | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
    }

    Write-Host 'Routing agent actions through the pilot (promoted mode, the stand-in runtime as the Go candidate):' -ForegroundColor Cyan
    $actions = @(
        [pscustomobject]@{ action_type = 'execute_command'; target = 'custom scan --check' }
        [pscustomobject]@{ action_type = 'execute_command'; target = 'dangerous mutate --all' }
        [pscustomobject]@{ action_type = 'write_file'; target = 'iam/admin-role.tf' }
        [pscustomobject]@{ action_type = 'mcp_tool_call'; target = 'github-enterprise'; server = 'github-enterprise'; tool = 'create_issue' }
    )
    $actions | Invoke-CavraGoPilotEvaluate @gate | Format-Table -AutoSize | Out-String -Width 220 | Write-Host

    # Drill notifications (docs/design/notifications.md): an HTTP receiver on 127.0.0.1 stands in for Slack and Teams.
    # It answers 503 until told to recover; the ledger records every attempt and the gate's schedule step gains
    # go_rollback_drill_notification_recovery, which stays failing until an approved live retry delivers and a closure cites it.
    Write-Host 'Drill notifications: the schedule''s owners told over HTTP (a loopback receiver stands in for Slack and Teams):' -ForegroundColor Cyan
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $receiverState = [hashtable]::Synchronized(@{ Status = 503; Requests = 0 })
    $receiver = [powershell]::Create().AddScript({
            param($listener, $state)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                $state.Requests++
                $context.Response.StatusCode = $state.Status
                $context.Response.Close()
            }
        }).AddArgument($listener).AddArgument($receiverState)
    $null = $receiver.BeginInvoke()
    try {
        $connectors = Join-Path $evidence 'connectors.json'
        $env:CAVRA_DEMO_WEBHOOK_TOKEN = 'demo-secret-never-shown'
        $hook = @{ Authorization = @{ env = 'CAVRA_DEMO_WEBHOOK_TOKEN' } }
        @{ connectors = @(
                @{ provider = 'slack'; url = "http://127.0.0.1:$port/slack"; retries = 1; timeout_seconds = 5; headers = $hook }
                @{ provider = 'teams'; url = "http://127.0.0.1:$port/teams"; retries = 1; timeout_seconds = 5; headers = $hook }
            ) } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $connectors
        $notify = @{ ConnectorConfigPath = $connectors; NotificationLedgerPath = Join-Path $evidence 'notifications.jsonl' }
        $sent = Send-CavraRollbackDrillNotification -SchedulePath $gate.RollbackDrillSchedulePath -RollbackDrillHistoryPath $gate.RollbackDrillHistoryPath `
            -ConnectorConfigPath $connectors -LedgerPath $notify.NotificationLedgerPath -WarningAction SilentlyContinue
        $sent | Format-Table | Out-String -Width 220 | Write-Host
        $check = { ((Test-CavraGoPromotion @gate @notify).Sections | ForEach-Object Checks | Where-Object Id -eq 'go_rollback_drill_notification_recovery') }
        $c = & $check
        Write-Host ("Notification recovery check: {0}: {1}" -f $(if ($c.Passed) { 'PASS' } else { 'FAIL' }), $c.Message)
        Write-Host 'The receivers are back: approve a live retry, run it, close the outage with the delivered retries as evidence.' -ForegroundColor Cyan
        $receiverState.Status = 200
        $executions = @(Get-CavraNotificationDelivery -Failed -LedgerPath $notify.NotificationLedgerPath |
                Approve-CavraDeliveryRetry -DecidedBy release-manager -ExternalRef CHG-1042 -LedgerPath $notify.NotificationLedgerPath |
                Invoke-CavraDeliveryRetry -ExecutedBy release-agent -ConnectorConfigPath $connectors -LedgerPath $notify.NotificationLedgerPath)
        $null = $executions | New-CavraConnectorRecoveryClosure -ClosureState resolved -ClosedBy release-manager -ExternalRef CHG-1042 -LedgerPath $notify.NotificationLedgerPath
        Get-CavraConnectorRecovery -LedgerPath $notify.NotificationLedgerPath | Format-Table | Out-String -Width 220 | Write-Host
        $c = & $check
        Write-Host ("Notification recovery check: {0}: {1}" -f $(if ($c.Passed) { 'PASS' } else { 'FAIL' }), $c.Message)
        $ledgerText = Get-Content -Raw -LiteralPath $notify.NotificationLedgerPath
        Write-Host ("The receiver saw {0} requests; the ledger's {1} lines hold the connector's secret: {2}." -f $receiverState.Requests,
            @(Get-Content -LiteralPath $notify.NotificationLedgerPath).Count, $(if ($ledgerText.Contains($env:CAVRA_DEMO_WEBHOOK_TOKEN)) { 'yes' } else { 'no' }))
        Write-Host ''
    }
    finally {
        $listener.Stop(); $listener.Close(); $receiver.Dispose()
        Remove-Item env:CAVRA_DEMO_WEBHOOK_TOKEN -ErrorAction SilentlyContinue
    }

    Write-Host 'Failing closed: the same gate with the rollback drill history missing.' -ForegroundColor Cyan
    Remove-Item -LiteralPath $gate.RollbackDrillHistoryPath
    Show-Verdict (Test-CavraGoPromotion @gate)
    Write-Host 'The same actions: every decision falls back to the built-in .NET backend.' -ForegroundColor Cyan
    $actions | Invoke-CavraGoPilotEvaluate @gate | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
}
finally {
    if ($KeepEvidence) { Write-Host "Evidence kept in $evidence" -ForegroundColor Cyan }
    else { Remove-Item -Recurse -Force -LiteralPath $evidence -ErrorAction SilentlyContinue }
}
