BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:checkIds = @(
        'go_backend_pilot', 'go_backend_deployment_paths', 'go_backend_promotion_gate', 'go_backend_rollback_controls',
        'go_backend_rollback_rehearsal', 'go_backend_rollback_drill_history', 'go_backend_rollback_drill_schedule')
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Get-CavraProductionReadiness' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
    }

    It 'reports the seven Go backend checks of docs/design/readiness.md §9, in order, and no server checks' {
        $r = Get-CavraProductionReadiness @gate
        $r.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Readiness.ProductionReadinessReport'
        $r.SchemaVersion | Should -Be 'cavra.deployment.production_readiness.v1'
        $r.Checks.Id | Should -Be $checkIds
        $r.Checks.Id | Should -Not -Contain 'oidc_configured'
    }

    It 'is ready over a complete, fresh evidence set in promoted mode' {
        $r = Get-CavraProductionReadiness @gate
        $r.Status | Should -Be 'Ready'
        $r.BlockingChecks | Should -BeNullOrEmpty
        $r.Promotion.Status | Should -Be 'Ready'
        $r.RollbackDrillSchedule.Status | Should -Be 'Ready'
    }

    It 'is ready with nothing configured: disabled, not_configured and not_requested are acceptable' {
        $r = Get-CavraProductionReadiness
        $r.Status | Should -Be 'Ready'
        $r.Pilot.Status | Should -Be 'Disabled'
        $r.Deployment.Status | Should -Be 'NotConfigured'
        $r.Promotion.Status | Should -Be 'NotRequested'
        ($r.Checks | Where-Object Passed).Count | Should -Be 7
    }

    It 'blocks on deployment not_configured once the pilot is enabled' {
        $r = Get-CavraProductionReadiness -Mode Shadow -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath
        $r.Pilot.Status | Should -Be 'Ready'
        $r.Deployment.Status | Should -Be 'NeedsAttention'
        $r.Status | Should -Be 'NeedsAttention'
        $r.BlockingChecks.Id | Should -Be 'go_backend_deployment_paths'
        $r.BlockingChecks[0].Extras['go_deployment_status'] | Should -BeExactly 'needs_attention'
    }

    It 'says which check blocks and why when a section needs attention' {
        Set-Content -Path $gate.RollbackPlanPath -Value '{"schema_version": "cavra.go-backend-rollback-plan.v1"}'
        $r = Get-CavraProductionReadiness @gate -Verbose 4>&1
        $verbose = $r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $report = $r | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $report.Status | Should -Be 'NeedsAttention'
        $report.BlockingChecks.Id | Should -Contain 'go_backend_rollback_controls'
        $blocking = $report.BlockingChecks | Where-Object Id -EQ 'go_backend_rollback_controls'
        $blocking.Message | Should -Match 'rollback'
        $blocking.Extras['mode'] | Should -Be 'promoted'
        ($verbose.Message -match '^blocks: go_backend_rollback_controls') | Should -Not -BeNullOrEmpty
    }

    It 'evaluates a section whose path is set in shadow mode (requested), and blocks on it' {
        Set-Content -Path $gate.RollbackPlanPath -Value '{}'
        $r = Get-CavraProductionReadiness -Mode Shadow -RuntimePath $gate.RuntimePath -PolicyPath $gate.PolicyPath -PackageDir $gate.PackageDir -RollbackPlanPath $gate.RollbackPlanPath
        $r.Rollback.Status | Should -Be 'NeedsAttention'
        $r.Promotion.Status | Should -Be 'NotRequested'
        $r.BlockingChecks.Id | Should -Be 'go_backend_rollback_controls'
    }

    It 'accepts a drill schedule that is due soon' {
        $soon = [DateTimeOffset]::UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
        (Get-Content -Raw $gate.RollbackDrillSchedulePath) -replace '"next_due_at": "[^"]*"', ('"next_due_at": "{0}"' -f $soon) |
            Set-Content -NoNewline $gate.RollbackDrillSchedulePath
        $r = Get-CavraProductionReadiness @gate
        $r.RollbackDrillSchedule.Status | Should -Be 'DueSoon'
        ($r.Checks | Where-Object Id -EQ 'go_backend_rollback_drill_schedule').Passed | Should -BeTrue
        $r.Status | Should -Be 'Ready'
    }

    It 'reads CAVRA_GO_* variables as defaults; a parameter overrides them' {
        $env:CAVRA_GO_BACKEND_MODE = 'promoted'
        (Get-CavraProductionReadiness).Status | Should -Be 'NeedsAttention'
        (Get-CavraProductionReadiness -Mode Disabled).Status | Should -Be 'Ready'
    }

    It '-AsJson returns the canonical document with upstream key order' {
        $json = Get-CavraProductionReadiness @gate -AsJson
        $json | Should -BeOfType [string]
        $doc = $json | ConvertFrom-Json
        $doc.PSObject.Properties.Name | Should -Be @('schema_version', 'product', 'status', 'checks', 'go_backend_pilot', 'go_backend_deployment',
            'go_backend_promotion', 'go_backend_rollback', 'go_backend_rollback_rehearsal', 'go_backend_rollback_drill_history',
            'go_backend_rollback_drill_schedule', 'operator_notes')
        $doc.product | Should -Be 'CAVRA'
        $doc.status | Should -Be 'ready'
        $doc.checks.id | Should -Be $checkIds
        $doc.checks[0].PSObject.Properties.Name | Should -Be @('id', 'status', 'message', 'mode', 'go_backend_status')
        $doc.go_backend_promotion.schema_version | Should -Be 'cavra.go-backend-pilot.promotion-readiness.v1'
    }

    It 'formats as a list naming each section''s status and what blocks' {
        $text = Get-CavraProductionReadiness @gate | Out-String
        $text | Should -Match 'Status\s+: Ready'
        $text | Should -Match 'Sections\s+: Pilot=Ready, Deployment=Ready, Promotion=Ready, Rollback=Ready'
        $text | Should -Match 'Blocking\s+: none'
        Set-Content -Path $gate.RollbackPlanPath -Value '{}'
        $text = Get-CavraProductionReadiness @gate | Out-String
        $text | Should -Match 'Blocking\s+: go_backend_rollback_controls: NeedsAttention \(go_rollback_plan, '
    }
}
