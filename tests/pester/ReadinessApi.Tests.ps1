BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue | ForEach-Object { @{ Name = $_.Name; Value = $_.Value } }
    Clear-CavraEnvironment
    $script:dir = Join-Path $TestDrive 'evidence'
    $script:gate = New-CavraTestEvidenceSet -Path $script:dir
    # The API reads the same configuration from a settings file, re-read on every request.
    $settings = [ordered]@{
        mode = 'promoted'; runtime_path = $gate.RuntimePath; policy_path = $gate.PolicyPath; package_dir = $gate.PackageDir
        promotion_evidence_path = $gate.PromotionEvidencePath; rollback_plan_path = $gate.RollbackPlanPath
        rollback_rehearsal_path = $gate.RollbackRehearsalPath; rollback_drill_history_path = $gate.RollbackDrillHistoryPath
        rollback_drill_schedule_path = $gate.RollbackDrillSchedulePath
    }
    $script:settingsPath = Join-Path $TestDrive 'api-settings.json'
    $settings | ConvertTo-Json | Set-Content -Path $script:settingsPath
    $script:port = Get-Random -Minimum 20000 -Maximum 40000
    $script:server = Start-CavraReadinessApi -Port $script:port -SettingsPath $script:settingsPath
    function Get-Body([string] $Path) { (Invoke-WebRequest -Uri ($script:server.Uri.AbsoluteUri.TrimEnd('/') + $Path) -SkipHttpErrorCheck) }
}
AfterAll {
    if ($script:server) { $script:server | Stop-CavraReadinessApi }
    Clear-CavraEnvironment
    foreach ($v in $script:savedEnv) { Set-Item "env:$($v.Name)" $v.Value }
}

Describe 'Readiness HTTP API' {
    It 'starts on loopback and answers /healthz' {
        $server.Running | Should -BeTrue
        $server.Uri.Host | Should -Be '127.0.0.1'
        (Get-Body '/healthz').StatusCode | Should -Be 200
    }

    It '<Route> serves the same text as the matching cmdlet' -ForEach @(
        @{ Route = '/deployment/production-readiness'; Section = $null }
        @{ Route = '/runtime/go-pilot/readiness'; Section = 'Runtime' }
        @{ Route = '/runtime/go-pilot/deployment-readiness'; Section = 'Deployment' }
        @{ Route = '/runtime/go-pilot/promotion-readiness'; Section = 'Promotion' }
        @{ Route = '/runtime/go-pilot/rollback-readiness'; Section = 'Rollback' }
        @{ Route = '/runtime/go-pilot/rollback-rehearsal'; Section = 'RollbackRehearsal' }
        @{ Route = '/runtime/go-pilot/rollback-drills'; Section = 'RollbackDrillHistory' }
        @{ Route = '/runtime/go-pilot/rollback-drill-schedule'; Section = 'RollbackDrillSchedule' }
    ) {
        $response = Get-Body $Route
        $response.StatusCode | Should -Be 200
        $expected = if ($Section) { Get-CavraGoReadinessReport -Section $Section @gate -AsJson } else { Get-CavraProductionReadiness @gate -AsJson }
        $response.Content | Should -BeExactly $expected
    }

    It 'sees an evidence file changed between two requests' {
        (Get-Body '/runtime/go-pilot/rollback-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'ready'
        $saved = Get-Content -Raw $gate.RollbackPlanPath
        try {
            Set-Content -Path $gate.RollbackPlanPath -Value '{"schema_version": "broken"}'
            (Get-Body '/runtime/go-pilot/rollback-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'needs_attention'
        }
        finally { Set-Content -Path $gate.RollbackPlanPath -Value $saved -NoNewline }
    }

    It 'evaluates a posted action' {
        $r = Invoke-WebRequest -Uri "$($server.Uri)runtime/go-pilot/evaluate" -Method Post -Body '{"action_type": "read_file", "target": ".env"}' -SkipHttpErrorCheck
        $r.StatusCode | Should -Be 200
        $doc = $r.Content | ConvertFrom-Json
        $doc.backend_mode | Should -Be 'promoted'
        $doc.dotnet_decision.rule_id | Should -Be (Invoke-CavraGoPilotEvaluate read_file .env @gate).DotnetDecision.RuleId
    }

    It 'rejects <Name> with <Status> and code <Code>' -ForEach @(
        @{ Name = 'an unknown path'; Method = 'Get'; Path = '/nope'; Body = $null; Status = 404; Code = 'not_found' }
        @{ Name = 'a wrong method'; Method = 'Delete'; Path = '/runtime/go-pilot/readiness'; Body = $null; Status = 405; Code = 'method_not_allowed' }
        @{ Name = 'a query string'; Method = 'Get'; Path = '/healthz?x=%zz'; Body = $null; Status = 400; Code = 'query_not_supported' }
        @{ Name = 'malformed JSON'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '{oops'; Status = 400; Code = 'invalid_json' }
        @{ Name = 'a non-object body'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '[]'; Status = 400; Code = 'invalid_request' }
        @{ Name = 'a wrongly typed field'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '{"action_type": 7}'; Status = 400; Code = 'invalid_request' }
    ) {
        $params = @{ Uri = $server.Uri.AbsoluteUri.TrimEnd('/') + $Path; Method = $Method; SkipHttpErrorCheck = $true }
        if ($Body) { $params.Body = $Body }
        $r = Invoke-WebRequest @params
        $r.StatusCode | Should -Be $Status
        $e = ($r.Content | ConvertFrom-Json).error
        $e.code | Should -Be $Code
        $r.Content | Should -Not -Match '   at '
    }

    It 'rejects oversized headers' {
        $r = Invoke-WebRequest -Uri "$($server.Uri)healthz" -Headers @{ 'X-Big' = ('a' * 40000) } -SkipHttpErrorCheck
        $r.StatusCode | Should -Be 431
    }

    It 'answers 200 concurrent requests with identical bodies' {
        $uri = "$($server.Uri)runtime/go-pilot/promotion-readiness"
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $tasks = 1..200 | ForEach-Object { $client.GetAsync($uri) }
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] $tasks)
            $tasks.Result.StatusCode | Sort-Object -Unique | Should -Be 'OK'
            ($tasks | ForEach-Object { $_.Result.Content.ReadAsStringAsync().Result } | Sort-Object -Unique) | Should -HaveCount 1
        }
        finally { $client.Dispose() }
    }

    It 'refuses a non-loopback address without -AllowRemote' {
        { Start-CavraReadinessApi -Address 0.0.0.0 -Port 1 } | Should -Throw -ErrorId 'RemoteAddressNotAllowed,Cavra.PowerShell.Commands.StartCavraReadinessApiCommand'
    }

    It 'leaves nothing running after Stop-CavraReadinessApi' {
        $other = Start-CavraReadinessApi -Port ($port + 1)
        $procId = $other.ProcessId
        $other | Stop-CavraReadinessApi
        Get-Process -Id $procId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { Invoke-WebRequest "$($other.Uri)healthz" -TimeoutSec 2 } | Should -Throw
    }
}
