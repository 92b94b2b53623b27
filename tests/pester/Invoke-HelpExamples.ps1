<#
.SYNOPSIS
    Runs every help example of the module (see HelpExamples.psm1) offline and writes one result per example as JSON.
.DESCRIPTION
    Run by HelpExamples.Tests.ps1 in its own pwsh. It builds one workspace the examples' relative paths expect (a fresh
    evidence set authored with the module's cmdlets under ./evidence, deployment metadata under ./release, the stand-in
    runtime as ./bin/cavra-runtime and ./cavra-runtime, the compiled policy as ./policy.json and ./compiled_policy.json,
    a trust registry, action files, a drill CSV, an API settings file), and the CAVRA_GO_* variables naming the same set
    in promoted mode. Each example then runs in a fresh copy of that workspace, in a fresh runspace with the module
    imported, with the environment restored afterwards. A loopback HTTP receiver in this process stands in for the
    notification connectors (./connectors.json), and ./notifications.jsonl holds two failed deliveries to retry. It fails when it throws or writes an error record.
    $NotAsWritten below lists every example that does not run as written, and why.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $WorkPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModuleManifest -PassThru
Import-Module (Join-Path $PSScriptRoot 'HelpExamples.psm1')
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')

function Test-PortFree([int] $Port) {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Port)
    try { $listener.Start(); return $true } catch { return $false } finally { $listener.Stop() }
}

# Examples that do not run exactly as written. Skip: never run, with the reason. FreePort: run only when that fixed
# loopback port is free (other processes on a test machine may hold it). Before/After: code run around the example
# in the same runspace, for examples that continue from an earlier one. Creates: a file the example creates, removed
# from its workspace first. Verify: code run after the example that checks what its remarks promise.
$NotAsWritten = @{
    'Start-CavraReadinessApi #1' = @{ FreePort = 8000; After = 'Get-Variable api -ValueOnly -ErrorAction Ignore | Stop-CavraReadinessApi' }
    # Its server is stopped with this process (a readiness API never outlives the process that started it).
    'Start-CavraReadinessApi #2' = @{ FreePort = 8081 }
    'Stop-CavraReadinessApi #1'  = @{ FreePort = 8080 }
    'Stop-CavraReadinessApi #2'  = @{ Before = '$api = Start-CavraReadinessApi -Port 0'; After = '$api | Stop-CavraReadinessApi' }
    # Its remarks name the JUnit test cases: hold them to it.
    'Get-CavraReadinessPack #1' = @{ Verify = 'if (-not (Select-String -LiteralPath ./go-promotion.junit.xml -SimpleMatch ''<testcase name="rollback_rehearsal.go_rollback_rehearsal_evidence"'' -Quiet)) { throw ''The help names the JUnit test case rollback_rehearsal.go_rollback_rehearsal_evidence; go-promotion.junit.xml has none.'' }' }
    # The notification examples: what their remarks promise, against the loopback receiver and the ledger's two failures.
    'Send-CavraRollbackDrillNotification #1' = @{ Verify = '$d = @(Get-CavraNotificationDelivery -LedgerPath ./notifications.jsonl | Where-Object Success); if ($d.Count -ne 2) { throw "expected 2 delivered notifications (slack, teams), got $($d.Count)" }' }
    'Send-CavraRollbackDrillNotification #2' = @{ Verify = 'if (@(Get-CavraNotificationDelivery).Count -ne 2) { throw ''-WhatIf recorded a delivery'' }' }
    'Deny-CavraDeliveryRetry #2'             = @{ Verify = 'if ($refused[0].FullyQualifiedErrorId -notlike ''RetryNotAuthorized,*'') { throw "expected RetryNotAuthorized, got $($refused[0].FullyQualifiedErrorId)" }' }
    'Invoke-CavraDeliveryRetry #1'           = @{ Verify = 'if (@(Get-CavraConnectorRecovery | Where-Object { -not $_.Recovered }).Count) { throw ''a provider still has an open failure after the approved retries'' }' }
    'Invoke-CavraDeliveryRetry #2'           = @{ Verify = 'if ($refused[0].TargetObject.ExecutionStatus -ne ''skipped'') { throw ''the refused retry recorded no skipped execution'' }' }
    'New-CavraConnectorRecoveryClosure #1'   = @{ Verify = 'if ((Get-CavraConnectorRecovery -Provider slack).ClosureState -ne ''resolved'') { throw ''no resolved closure for slack'' }' }
    'New-CavraConnectorRecoveryClosure #2'   = @{ Verify = '$t = Get-CavraConnectorRecovery -Provider teams; if ($t.ClosureState -ne ''mitigated'' -or -not $t.Recovered) { throw ''teams is not mitigated and recovered'' }' }
    # Authoring examples write a file the workspace already holds (other examples read it): a user starts without it.
    'New-CavraPromotionEvidence #1' = @{ Creates = 'evidence/promotion.json' }
    'New-CavraRollbackPlan #1'      = @{ Creates = 'evidence/plan.json' }
    'New-CavraRollbackPlan #2'      = @{ Creates = 'plan.json' }
    'New-CavraRollbackRehearsal #1' = @{ Creates = 'evidence/rehearsal.json' }
    'New-CavraPromotionEvidence #3' = @{ Creates = 'evidence/promotion.json' }
    'about_Cavra_GoPromotion #2'    = @{ Creates = 'evidence/promotion.json' }
    # Remoting needs WSMan or SSH hosts (agent01, ...) that an offline test machine does not have.
    'Export-CavraReadinessReport #3' = @{ Skip = 'it receives verdicts over remoting (Invoke-Command -ComputerName), which needs remote hosts' }
    'Measure-CavraGoParity #2'       = @{ Skip = 'it measures journals over remoting (Invoke-Command -ComputerName), which needs remote hosts' }
}

# The workspace every example starts from.
$template = Join-Path $WorkPath 'template'
New-Item -ItemType Directory -Force -Path (Join-Path $template 'bin'), (Join-Path $template 'evidence'), (Join-Path $template 'release'), (Join-Path $template 'docs') | Out-Null
$runtimeName = if ($IsWindows) { 'cavra-runtime.exe' } else { 'cavra-runtime' }
foreach ($dir in (Join-Path $template 'bin'), $template) {
    # The stand-in's apphost finds its assembly beside it by the name built into it, so it may be renamed.
    Copy-Item -Path (Join-Path (Split-Path $RuntimePath) '*') -Destination $dir -Recurse
    Copy-Item -LiteralPath $RuntimePath -Destination (Join-Path $dir $runtimeName)
}
$policy = Join-Path $repo 'examples/policy/compiled_policy.json'
Copy-Item $policy (Join-Path $template 'policy.json')
Copy-Item $policy (Join-Path $template 'compiled_policy.json')
Copy-Item (Join-Path $repo 'examples/policy/mcp_registry.json') (Join-Path $template 'mcp_registry.json')
foreach ($file in 'endpoint-deployment', 'ci-runner-bundles', 'channels', 'updater-policy') {
    Copy-Item (Join-Path $repo "examples/evidence/cavra-runtime.$file.json") (Join-Path $template 'release')
}
Push-Location $template
try {
    $null = New-CavraRollbackPlan -Path ./evidence/plan.json -ApprovalId apr_go_backend_rollback -Approved -MaxRecoveryMinutes 15 -Step 'Set CAVRA_GO_BACKEND_MODE=disabled.'
    $null = New-CavraRollbackRehearsal -Path ./evidence/rehearsal.json -RollbackPlanPath ./evidence/plan.json -Status pass -Simulated -FallbackVerified `
        -RecoveryMinutes 6 -RunbookRef docs/rehearsal.md -EvidenceRef 'go-rollback-rehearsal://ci/1'
    $null = Add-CavraRollbackDrill -Path ./evidence/drills.json -Status pass -FallbackVerified -RecoveryMinutes 7 -MaxRecoveryMinutes 15 `
        -RunbookRef docs/drill.md -EvidenceRef 'go-rollback-drill://ci/1'
    $null = New-CavraPromotionEvidence -Path ./evidence/promotion.json -ParityStatus pass -DeploymentStatus ready -Approved `
        -ApprovalId apr_go_backend_promotion -EvidenceRef 'go-runtime-parity://ci/238-passed' -RuntimePath "./bin/$runtimeName" -PolicyPath ./policy.json
    # A shadow journal of 3,000 agreeing evaluations (enough for a passing parity report: 0 mismatches in 3,000 bound the
    # rate below 0.001), for the journal and parity examples; over a pipeline-owned daemon, so it takes seconds.
    $null = 1..3000 | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "scan --check $_" } } |
        Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport $(if ($IsWindows) { 'OneShot' } else { 'Daemon' }) -RuntimePath "./bin/$runtimeName" `
            -PolicyPath ./policy.json -JournalPath ./journals/shadow.jsonl
    Copy-Item ./journals/shadow.jsonl ./shadow.jsonl
}
finally { Pop-Location }
Copy-Item (Join-Path $template 'evidence/plan.json') (Join-Path $template 'plan.json')
# The schedule has no authoring cmdlet: upstream's, without its fixed next_due_at (due = latest drill + interval_days).
$schedule = Get-Content -Raw (Join-Path $repo 'examples/evidence/cavra-runtime.go-backend-rollback-drill-schedule.json') | ConvertFrom-Json
$schedule.PSObject.Properties.Remove('next_due_at')
Set-Content -LiteralPath (Join-Path $template 'evidence/schedule.json') -Value ($schedule | ConvertTo-Json -Depth 5)
$actions = @(
    '{"action_type": "execute_command", "target": "terraform plan"}'
    '{"action_type": "execute_command", "target": "dangerous mutate --all"}'
    '{"action_type": "write_file", "target": "iam/admin-role.tf"}'
    '{"action_type": "mcp_tool_call", "target": "github-enterprise", "server": "github-enterprise", "tool": "create_issue"}'
)
foreach ($name in 'actions.jsonl', 'monday.jsonl', 'tuesday.jsonl') { Set-Content -LiteralPath (Join-Path $template $name) -Value $actions }
$csvRows = foreach ($i in 1..2) {
    [pscustomobject]@{ drill_id = "drill_csv_$i"; executed_at = [DateTimeOffset]::UtcNow.AddDays(-$i).ToString('o'); status = 'pass'; fallback_verified = 'true'
        recovery_minutes = 5; max_recovery_minutes = 15; runbook_ref = 'docs/drill.md'; evidence_refs = "go-rollback-drill://ci/$i;go-production-readiness://ci/$i" }
}
$csvRows | Export-Csv -LiteralPath (Join-Path $template 'drills.csv') -NoTypeInformation
Set-Content -LiteralPath (Join-Path $template 'api-settings.json') -Value '{"mode": "promoted", "rollback_plan_path": "./plan.json"}'

# Drill notifications: a loopback receiver in this process (it answers 200) behind ./connectors.json, whose Authorization
# header is read from CAVRA_WEBHOOK_TOKEN, and a ledger (./notifications.jsonl, CAVRA_GO_NOTIFICATION_LEDGER) holding a
# failed slack and a failed teams delivery, sent while nothing listened, for the approval, retry and closure examples.
# CAVRA_CONNECTOR_CONFIG stays unset, so the gate examples are judged without the notification recovery check.
Import-Module (Join-Path $PSScriptRoot 'LoopbackReceiver.psm1')
$receiver = Start-CavraLoopbackReceiver
$env:CAVRA_WEBHOOK_TOKEN = 'example-token'
function Write-ExampleConnectors([string] $Path, [string] $Url, [int] $Retries) {
    $connectors = foreach ($provider in 'webhook', 'slack', 'teams') {
        @{ provider = $provider; url = $Url; retries = $Retries; timeout_seconds = 5; headers = @{ Authorization = @{ env = 'CAVRA_WEBHOOK_TOKEN' } } }
    }
    @{ connectors = @($connectors) } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $Path
}
Write-ExampleConnectors (Join-Path $template 'connectors.json') $receiver.Url 2
$down = Join-Path $WorkPath 'connectors-down.json'
Write-ExampleConnectors $down (Get-CavraClosedLoopbackUrl) 0
$null = Send-CavraRollbackDrillNotification -SchedulePath (Join-Path $template 'evidence/schedule.json') -RollbackDrillHistoryPath (Join-Path $template 'evidence/drills.json') `
    -ConnectorConfigPath $down -LedgerPath (Join-Path $template 'notifications.jsonl') -WarningAction SilentlyContinue

# Pester as installed for a user: a folder named Pester on the module path (the NuGet package keeps it under tools/).
$pesterModules = Join-Path $WorkPath 'modules'
New-Item -ItemType Directory -Path $pesterModules | Out-Null
$linkType = if ($IsWindows) { 'Junction' } else { 'SymbolicLink' }
New-Item -ItemType $linkType -Path (Join-Path $pesterModules 'Pester') -Target (Split-Path $PesterManifest) | Out-Null

function Set-GateEnvironment([string] $Root) {
    # The examples that read their configuration from CAVRA_GO_* see the complete evidence set, in promoted mode.
    foreach ($v in Get-ChildItem env:CAVRA_GO_*, env:CAVRA_CONNECTOR_CONFIG -ErrorAction Ignore) { Remove-Item "env:$($v.Name)" }
    $env:CAVRA_GO_BACKEND_MODE = 'promoted'
    $env:CAVRA_GO_RUNTIME_PATH = Join-Path $Root "bin/$runtimeName"
    $env:CAVRA_GO_RUNTIME_POLICY = Join-Path $Root 'policy.json'
    $env:CAVRA_GO_RUNTIME_PACKAGE_DIR = Join-Path $Root 'release'
    $env:CAVRA_GO_PROMOTION_EVIDENCE = Join-Path $Root 'evidence/promotion.json'
    $env:CAVRA_GO_ROLLBACK_PLAN = Join-Path $Root 'evidence/plan.json'
    $env:CAVRA_GO_ROLLBACK_REHEARSAL_EVIDENCE = Join-Path $Root 'evidence/rehearsal.json'
    $env:CAVRA_GO_ROLLBACK_DRILL_HISTORY = Join-Path $Root 'evidence/drills.json'
    $env:CAVRA_GO_ROLLBACK_DRILL_SCHEDULE = Join-Path $Root 'evidence/schedule.json'
    $env:CAVRA_GO_NOTIFICATION_LEDGER = Join-Path $Root 'notifications.jsonl'
    # Pester 5+ by name, as a user has it ('Import-Module Pester -MinimumVersion 5.0', autoloading Invoke-Pester).
    $env:PSModulePath = $pesterModules + [IO.Path]::PathSeparator + $env:PSModulePath
}

$results = [System.Collections.Generic.List[object]]::new()
$saved = @(Get-ChildItem env: | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Value = $_.Value } })
$n = 0
foreach ($example in Get-CavraHelpExample -Module $module -DocsPath $DocsPath) {
    $n++
    $special = $NotAsWritten[$example.Key]
    $result = [ordered]@{ Key = $example.Key; Status = 'passed'; Message = ''; Output = '' }
    if ($special -and $special.Skip) { $result.Status = 'skipped'; $result.Message = $special.Skip; $results.Add([pscustomobject]$result); continue }
    if ($special -and $special.FreePort -and -not (Test-PortFree $special.FreePort)) {
        $result.Status = 'skipped'; $result.Message = "it binds the fixed port $($special.FreePort), which another process holds now"
        $results.Add([pscustomobject]$result); continue
    }
    $workspace = Join-Path $WorkPath ('example-{0:D2}' -f $n)
    Copy-Item -LiteralPath $template -Destination $workspace -Recurse
    if ($special -and $special.Creates) { Remove-Item -LiteralPath (Join-Path $workspace $special.Creates) }
    Set-GateEnvironment $workspace
    $iss = [initialsessionstate]::CreateDefault2()
    $iss.ImportPSModule(@($ModuleManifest))
    $runspace = [runspacefactory]::CreateRunspace($iss)
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    try {
        $script = "Set-Location -LiteralPath '$workspace'; [Environment]::CurrentDirectory = '$workspace'`n"
        if ($special -and $special.Before) { $script += $special.Before + "`n" }
        $script += $example.Code
        if ($special -and $special.Verify) { $script += "`n" + $special.Verify }
        $null = $ps.AddScript($script).AddCommand('Out-String').AddParameter('Width', 200)
        $async = $ps.BeginInvoke()
        if (-not $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromMinutes(3))) {
            $ps.Stop()
            $result.Status = 'failed'; $result.Message = 'did not finish within 3 minutes'
        }
        else {
            $result.Output = (@($ps.EndInvoke($async)) -join '').Trim()
            if ($ps.Streams.Error.Count -gt 0) {
                $result.Status = 'failed'
                $result.Message = (@($ps.Streams.Error | ForEach-Object { '{0} ({1})' -f $_.Exception.Message, $_.FullyQualifiedErrorId }) -join "`n")
            }
        }
    }
    catch {
        $result.Status = 'failed'
        $e = $_.Exception; while ($e.InnerException -and $e -is [System.Management.Automation.MethodInvocationException]) { $e = $e.InnerException }
        $result.Message = $e.Message
    }
    finally {
        if ($special -and $special.After) {
            $after = [powershell]::Create(); $after.Runspace = $runspace
            try { $null = $after.AddScript($special.After).Invoke() } catch { } finally { $after.Dispose() }
        }
        $ps.Dispose()
        $runspace.Dispose()
        foreach ($v in Get-ChildItem env:) { if ($v.Name -notin $saved.Name) { Remove-Item "env:$($v.Name)" } }
        foreach ($v in $saved) { Set-Item "env:$($v.Name)" $v.Value }
    }
    $results.Add([pscustomobject]$result)
}
ConvertTo-Json -InputObject @($results) -Depth 3 | Set-Content -LiteralPath $ResultPath -Encoding utf8
