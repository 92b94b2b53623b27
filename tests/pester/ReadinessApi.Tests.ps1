BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
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
    # -Port 0: the system picks a free port and the returned object says which, so parallel runs never collide.
    $script:server = Start-CavraReadinessApi -Port 0 -SettingsPath $script:settingsPath
    function Invoke-Api([string] $Path, [string] $Method = 'Get', $Body) {
        $params = @{ Uri = $script:server.Uri.AbsoluteUri.TrimEnd('/') + $Path; Method = $Method; SkipHttpErrorCheck = $true }
        if ($null -ne $Body) { $params.Body = $Body }
        Invoke-WebRequest @params
    }
    function Test-ProcessAlive([int] $Id) {
        # A process that has exited but not yet been reaped by its new parent is a zombie: not running.
        $stat = "/proc/$Id/stat"
        if (Test-Path $stat) { return (Get-Content -Raw $stat) -notmatch '\)\s+[ZX]\s' }
        return [bool] (Get-Process -Id $Id -ErrorAction SilentlyContinue)
    }
}
AfterAll {
    if ($script:server) { $script:server | Stop-CavraReadinessApi }
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Readiness HTTP API' {
    It 'starts on loopback, reports the port it got, and answers /healthz' {
        $server.PSObject.TypeNames[0] | Should -Be 'Cavra.PowerShell.ReadinessApiServer'
        $server.Running | Should -BeTrue
        $server.Uri.Host | Should -Be '127.0.0.1'
        $server.Address | Should -Be '127.0.0.1'
        $server.Port | Should -BeGreaterThan 0
        $server.Uri.Port | Should -Be $server.Port
        $server.Process.Id | Should -Be $server.ProcessId
        $r = Invoke-Api '/healthz'
        $r.StatusCode | Should -Be 200
        $r.Headers['Content-Type'] | Should -Be 'application/json; charset=utf-8'
    }

    It '<Route> serves the same text as <Cmdlet> -AsJson' -ForEach @(
        @{ Route = '/deployment/production-readiness'; Cmdlet = 'Get-CavraProductionReadiness'; Section = $null }
        @{ Route = '/runtime/go-pilot/readiness'; Cmdlet = 'Get-CavraGoReadinessReport Runtime'; Section = 'Runtime' }
        @{ Route = '/runtime/go-pilot/deployment-readiness'; Cmdlet = 'Get-CavraGoReadinessReport Deployment'; Section = 'Deployment' }
        @{ Route = '/runtime/go-pilot/promotion-readiness'; Cmdlet = 'Get-CavraGoReadinessReport Promotion'; Section = 'Promotion' }
        @{ Route = '/runtime/go-pilot/rollback-readiness'; Cmdlet = 'Get-CavraGoReadinessReport Rollback'; Section = 'Rollback' }
        @{ Route = '/runtime/go-pilot/rollback-rehearsal'; Cmdlet = 'Get-CavraGoReadinessReport RollbackRehearsal'; Section = 'RollbackRehearsal' }
        @{ Route = '/runtime/go-pilot/rollback-drills'; Cmdlet = 'Get-CavraGoReadinessReport RollbackDrillHistory'; Section = 'RollbackDrillHistory' }
        @{ Route = '/runtime/go-pilot/rollback-drill-schedule'; Cmdlet = 'Get-CavraGoReadinessReport RollbackDrillSchedule'; Section = 'RollbackDrillSchedule' }
    ) {
        # Drill ages are rounded to 1e-4 days, so the text changes every 8.64 s: compare only when two requests that
        # bracket the cmdlet agree (then nothing changed in between), retrying across such a boundary.
        for ($try = 0; $try -lt 3; $try++) {
            $before = Invoke-Api $Route
            $expected = if ($Section) { Get-CavraGoReadinessReport -Section $Section @gate -AsJson } else { Get-CavraProductionReadiness @gate -AsJson }
            $after = Invoke-Api $Route
            if ($before.Content -ceq $after.Content) { break }
        }
        $before.StatusCode | Should -Be 200
        $before.Content | Should -BeExactly $after.Content
        $before.Content | Should -BeExactly $expected
    }

    It 'sees an evidence file changed between two requests' {
        (Invoke-Api '/runtime/go-pilot/rollback-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'ready'
        $saved = Get-Content -Raw $gate.RollbackPlanPath
        try {
            Set-Content -Path $gate.RollbackPlanPath -Value '{"schema_version": "broken"}'
            (Invoke-Api '/runtime/go-pilot/rollback-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'needs_attention'
            (Invoke-Api '/deployment/production-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'needs_attention'
        }
        finally { Set-Content -Path $gate.RollbackPlanPath -Value $saved -NoNewline }
        (Invoke-Api '/runtime/go-pilot/rollback-readiness').Content | ConvertFrom-Json | ForEach-Object status | Should -Be 'ready'
    }

    It 'evaluates a posted action as Invoke-CavraGoPilotEvaluate does' {
        $r = Invoke-Api '/runtime/go-pilot/evaluate' -Method Post -Body '{"action_type": "read_file", "target": ".env"}'
        $r.StatusCode | Should -Be 200
        $doc = $r.Content | ConvertFrom-Json
        $doc.schema_version | Should -Be 'cavra.go-backend-pilot.evaluation.v1'
        $doc.backend_mode | Should -Be 'promoted'
        $local = Invoke-CavraGoPilotEvaluate read_file .env @gate -AsJson | ConvertFrom-Json
        $doc.dotnet_decision.rule_id | Should -Be $local.dotnet_decision.rule_id
        $doc.selected_backend | Should -Be $local.selected_backend
        $doc.fallback_reason | Should -Be $local.fallback_reason
    }

    It 'rejects <Name> with <Status> and code <Code>' -ForEach @(
        @{ Name = 'an unknown path'; Method = 'Get'; Path = '/nope'; Body = $null; Status = 404; Code = 'not_found' }
        @{ Name = 'a wrong method'; Method = 'Delete'; Path = '/runtime/go-pilot/readiness'; Body = $null; Status = 405; Code = 'method_not_allowed' }
        @{ Name = 'GET on evaluate'; Method = 'Get'; Path = '/runtime/go-pilot/evaluate'; Body = $null; Status = 405; Code = 'method_not_allowed' }
        @{ Name = 'a query string'; Method = 'Get'; Path = '/healthz?x=%zz'; Body = $null; Status = 400; Code = 'query_not_supported' }
        @{ Name = 'an empty body'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = ''; Status = 400; Code = 'invalid_json' }
        @{ Name = 'malformed JSON'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '{oops'; Status = 400; Code = 'invalid_json' }
        @{ Name = 'duplicate keys'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '{"target": "a", "target": "b"}'; Status = 400; Code = 'invalid_json' }
        @{ Name = 'a non-object body'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '[]'; Status = 400; Code = 'invalid_request' }
        @{ Name = 'a wrongly typed field'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = '{"action_type": 7}'; Status = 400; Code = 'invalid_request' }
        @{ Name = 'an oversized body'; Method = 'Post'; Path = '/runtime/go-pilot/evaluate'; Body = ('{"target": "' + ('a' * 1100000) + '"}'); Status = 413; Code = 'body_too_large' }
    ) {
        $r = Invoke-Api $Path -Method $Method -Body $Body
        $r.StatusCode | Should -Be $Status
        $r.Headers['Content-Type'] | Should -Be 'application/json; charset=utf-8'
        $e = ($r.Content | ConvertFrom-Json).error
        $e.code | Should -Be $Code
        $e.status | Should -Be $Status
        $e.message | Should -Not -BeNullOrEmpty
        $r.Content | Should -Not -Match '   at |Exception'
    }

    It 'rejects oversized headers with 431' {
        $r = Invoke-WebRequest -Uri "$($server.Uri)healthz" -Headers @{ 'X-Big' = ('a' * 40000) } -SkipHttpErrorCheck
        $r.StatusCode | Should -Be 431
    }

    It 'answers 200 concurrent requests, all 200 with identical bodies' {
        $uri = "$($server.Uri)runtime/go-pilot/promotion-readiness"
        $client = [System.Net.Http.HttpClient]::new()
        try {
            for ($try = 0; $try -lt 3; $try++) { # a batch may straddle an 8.64 s drill-age boundary; the next one will not
                $tasks = 1..200 | ForEach-Object { $client.GetAsync($uri) }
                [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] $tasks)
                $bodies = @($tasks | ForEach-Object { $_.Result.Content.ReadAsStringAsync().Result } | Sort-Object -Unique)
                if ($bodies.Count -eq 1) { break }
            }
            @($tasks.Result.StatusCode | Sort-Object -Unique) | Should -Be @('OK')
            $bodies | Should -HaveCount 1
        }
        finally { $client.Dispose() }
    }

    It 'refuses a non-loopback address without -AllowRemote' {
        { Start-CavraReadinessApi -Address 0.0.0.0 -Port 1 } | Should -Throw -ErrorId 'RemoteAddressNotAllowed,Cavra.PowerShell.Commands.StartCavraReadinessApiCommand'
    }

    It 'refuses a missing settings file before starting anything' {
        { Start-CavraReadinessApi -Port 0 -SettingsPath (Join-Path $TestDrive 'absent.json') } | Should -Throw -ErrorId 'SettingsNotFound,Cavra.PowerShell.Commands.StartCavraReadinessApiCommand'
    }

    It 'reports why the API could not start (<Name>)' -ForEach @(
        @{ Name = 'an unusable settings file'; Settings = '{"mode": 5}'; Match = 'mode must be a string' }
        @{ Name = 'a port already in use'; Settings = $null; Match = 'cannot listen' }
    ) {
        $arguments = @{ Port = $server.Port; TimeoutSeconds = 60 }
        if ($Settings) {
            $file = Join-Path $TestDrive 'bad-settings.json'
            Set-Content -Path $file -Value $Settings
            $arguments = @{ Port = 0; SettingsPath = $file; TimeoutSeconds = 60 }
        }
        $err = $null
        try { Start-CavraReadinessApi @arguments } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'ApiExited,Cavra.PowerShell.Commands.StartCavraReadinessApiCommand'
        $err.Exception.Message | Should -Match $Match
    }

    It '-WhatIf starts nothing' {
        Start-CavraReadinessApi -Port 0 -WhatIf | Should -BeNullOrEmpty
    }

    It 'leaves nothing running after Stop-CavraReadinessApi, and a second stop is harmless' {
        $other = Start-CavraReadinessApi -Port 0
        $procId = $other.ProcessId
        (Invoke-WebRequest "$($other.Uri)healthz").StatusCode | Should -Be 200
        $other | Stop-CavraReadinessApi
        $other.Running | Should -BeFalse
        Test-ProcessAlive $procId | Should -BeFalse
        { Invoke-WebRequest "$($other.Uri)healthz" -TimeoutSec 2 } | Should -Throw
        { Stop-CavraReadinessApi -InputObject $other -ErrorAction Stop } | Should -Not -Throw
    }

    It 'stops when the session that started it is killed' {
        $info = Join-Path $TestDrive 'killed-session.txt'
        $script = "Import-Module '$env:CAVRA_MODULE_MANIFEST'; `$a = Start-CavraReadinessApi -Port 0; Set-Content -Path '$info' -Value `$a.ProcessId; Start-Sleep -Seconds 300"
        $session = Start-CavraChildPwsh -Script $script
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(180)
            while (-not (Test-Path $info) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Test-Path $info | Should -BeTrue
            $apiPid = [int] (Get-Content $info)
            Test-ProcessAlive $apiPid | Should -BeTrue
        }
        finally { $session.Kill() } # no chance to clean up: like a closed terminal or a killed job
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ((Test-ProcessAlive $apiPid) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Test-ProcessAlive $apiPid | Should -BeFalse
    }
}
