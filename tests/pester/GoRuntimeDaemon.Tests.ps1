BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    if (-not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_STANDIN_RUNTIME must name the stand-in runtime (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:policy = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')) 'examples/policy/compiled_policy.json'
    $script:registry = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')) 'examples/policy/mcp_registry.json'
    $script:runtime = @{ RuntimePath = $env:CAVRA_STANDIN_RUNTIME; PolicyPath = $script:policy }

    function Get-ServeProcess {
        <# The stand-in daemons running now: process id and socket, from /proc (Linux). #>
        foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
            $name = [IO.Path]::GetFileName($dir)
            if ($name -notmatch '^\d+$') { continue }
            try { $argv = [IO.File]::ReadAllText("$dir/cmdline").Split([char]0) } catch { continue }
            if ($argv[0] -ne $env:CAVRA_STANDIN_RUNTIME -or $argv -notcontains '--serve') { continue }
            $i = [array]::IndexOf($argv, '--socket')
            [pscustomobject]@{ ProcessId = [int]$name; SocketPath = $argv[$i + 1] }
        }
    }

    function Get-OwnerWatch {
        <# The owner watchers (/bin/sh beside each daemon) running now, with the socket each guards. #>
        foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
            $name = [IO.Path]::GetFileName($dir)
            if ($name -notmatch '^\d+$') { continue }
            try { $argv = [IO.File]::ReadAllText("$dir/cmdline").Split([char]0) } catch { continue }
            if ($argv.Count -lt 6 -or $argv[3] -ne 'cavra-runtime-owner-watch') { continue }
            # Only this test run's: other checkouts' suites may run on the same machine at the same time. A watcher
            # inherits its owner's environment, which names this run's module (orphaned watchers included).
            try { $environ = [IO.File]::ReadAllText("$dir/environ").Split([char]0) } catch { continue }
            if ($environ -notcontains "CAVRA_MODULE_MANIFEST=$env:CAVRA_MODULE_MANIFEST") { continue }
            [pscustomobject]@{ ProcessId = [int]$name; SocketPath = $argv[5] }
        }
    }

    function Wait-Gone {
        param([object[]] $Daemons)
        # Generous: on a loaded machine a SIGTERM, the watcher's poll and the reaping can each take seconds. It ends as soon as all are gone.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline -and ((Get-ServeProcess | Where-Object ProcessId -in $Daemons.ProcessId) -or (Get-OwnerWatch | Where-Object SocketPath -in $Daemons.SocketPath) -or ($Daemons.SocketPath | Split-Path | Where-Object { Test-Path $_ }))) { Start-Sleep -Milliseconds 20 }
        foreach ($d in $Daemons) {
            Get-ServeProcess | Where-Object ProcessId -eq $d.ProcessId | Should -BeNullOrEmpty -Because "daemon process $($d.ProcessId) must not outlive its owner"
            Get-OwnerWatch | Where-Object SocketPath -eq $d.SocketPath | Should -BeNullOrEmpty -Because 'its owner watcher ends with it'
            Split-Path $d.SocketPath | Should -Not -Exist -Because 'the private socket directory is removed'
        }
    }

    function Strip {
        <# An evaluation record's JSON without its per-call ids and times. #>
        param([string] $Json)
        $Json -replace '"(decision_id|correlation_id|timestamp|evaluation_id|evaluated_at)": "[^"]*"', '"$1": ""' -replace '"evidence://[^"]*"', '""'
    }
}
AfterAll {
    Get-CavraGoRuntimeDaemon | Stop-CavraGoRuntimeDaemon
    Clear-CavraEnvironment
    Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'The daemon transport' {
    BeforeEach {
        Clear-CavraEnvironment
        Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
        $script:before = @(Get-ServeProcess)
        $script:beforeWatch = @(Get-OwnerWatch)
    }
    AfterEach {
        Get-CavraGoRuntimeDaemon | Stop-CavraGoRuntimeDaemon
        Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
        $left = @(Get-ServeProcess | Where-Object ProcessId -notin $script:before.ProcessId)
        $left | Should -BeNullOrEmpty -Because 'no test leaves a daemon behind'
        @(Get-OwnerWatch | Where-Object ProcessId -notin $script:beforeWatch.ProcessId) | Should -BeNullOrEmpty -Because 'no test leaves an owner watcher behind'
    }

    Context 'a daemon owned by the pipeline' {
        It 'gives the same evaluation records as one-shot, MCP calls going one-shot, and stops with the pipeline' {
            $actions = @(
                [pscustomobject]@{ action_type = 'execute_command'; target = 'custom scan --check' }
                [pscustomobject]@{ action_type = 'execute_command'; target = 'dangerous mutate --apply' }
                [pscustomobject]@{ action_type = 'read_file'; target = 'config/prod.secret' }
                [pscustomobject]@{ action_type = 'git_operation'; target = 'origin/main'; operation = 'push' }
                [pscustomobject]@{ action_type = 'mcp_tool_call'; server = 'github-mcp'; tool = 'create_pull_request'; capability = 'repository' }
                [pscustomobject]@{ action_type = 'release_governance_record'; target = 'prod'; record = @{ metadata_kind = 'rollout-rollback-execution'; approval_required_count = 1 } }
            )
            $daemon = $actions | Invoke-CavraGoPilotEvaluate -Mode Enforce -Transport Daemon @runtime -RegistryPath $registry -Verbose 4>&1
            $verbose = @($daemon | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $records = @($daemon | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
            $oneShot = @($actions | Invoke-CavraGoPilotEvaluate -Mode Enforce -Transport OneShot @runtime -RegistryPath $registry)

            $records.GoTransport | Should -Be @('daemon', 'daemon', 'daemon', 'daemon', 'one-shot', 'daemon')
            $oneShot.GoTransport | Should -Be @('one-shot', 'one-shot', 'one-shot', 'one-shot', 'one-shot', 'one-shot')
            $records.SelectedBackend | Should -Be @('go', 'go', 'go', 'go', 'go', 'go')
            $records[4].RuleId | Should -Be 'mcp.registry.allow'
            for ($i = 0; $i -lt $actions.Count; $i++) {
                Strip ([Cavra.Gate.Serialization.CanonicalJsonWriter]::Serialize($records[$i], $true)) |
                    Should -Be (Strip ([Cavra.Gate.Serialization.CanonicalJsonWriter]::Serialize($oneShot[$i], $true)))
            }
            $started = $verbose | Where-Object { $_ -like 'Started the cavra-runtime daemon*' }
            $started | Should -HaveCount 1
            $verbose | Where-Object { $_ -like 'mcp_tool_call * goes one-shot: mcp_tool_call needs server, tool and capability*' } | Should -HaveCount 1
            $verbose | Where-Object { $_ -like '1 of 6 actions went one-shot because the daemon contract cannot carry them faithfully: 1 (mcp_tool_call needs server, tool and capability*).' } | Should -HaveCount 1
            $verbose | Where-Object { $_ -like 'Stopped the cavra-runtime daemon*' } | Should -HaveCount 1
            $socket = ($started -replace '^.* on (\S+) in \d+ ms\.$', '$1')
            Split-Path $socket | Should -Not -Exist
        }

        It 'says with -Verbose how many actions went one-shot and why, counted by reason' {
            $actions = @(
                [pscustomobject]@{ action_type = 'mcp_tool_call'; server = 'github-mcp'; tool = 'create_pull_request'; capability = 'repository' }
                [pscustomobject]@{ action_type = 'execute_command'; target = 'custom scan --check' }
                [pscustomobject]@{ action_type = 'mcp_tool_call'; server = 'github-mcp'; tool = 'create_issue'; capability = 'repository' }
                [pscustomobject]@{ action_type = 'git_operation'; target = 'origin/main'; operation = 'push'; server = 'github-mcp' }
                [pscustomobject]@{ action_type = 'mcp_tool_call'; server = 'github-mcp'; tool = 'merge'; capability = 'repository' }
            )
            $out = $actions | Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon @runtime -Verbose 4>&1
            $records = @($out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
            $summary = @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like '* went one-shot*' } | ForEach-Object Message)
            @($records | Where-Object GoTransport -EQ 'one-shot') | Should -HaveCount 4
            $summary | Should -HaveCount 1
            $summary[0] | Should -BeLike '4 of 5 actions went one-shot because the daemon contract cannot carry them faithfully: 3 (mcp_tool_call needs server, tool and capability*); 1 (the daemon contract has no server, tool or capability).'

            $plain = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow -Transport Daemon @runtime -Verbose 4>&1
            @($plain | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message) |
                Where-Object { $_ -like '0 of 1 actions went one-shot*' } | Should -HaveCount 1
        }

        It 'is chosen by CAVRA_GO_RUNTIME_TRANSPORT; an unknown value warns and runs one-shot' {
            $env:CAVRA_GO_RUNTIME_TRANSPORT = 'daemon'
            (Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow @runtime).GoTransport | Should -Be 'daemon'
            $env:CAVRA_GO_RUNTIME_TRANSPORT = 'carrier-pigeon'
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow @runtime -WarningVariable warnings -WarningAction SilentlyContinue
            $r.GoTransport | Should -Be 'one-shot'
            $warnings[0].Message | Should -BeLike "CAVRA_GO_RUNTIME_TRANSPORT='carrier-pigeon' is not one-shot or daemon*"
            (Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow @runtime -Transport Daemon).GoTransport | Should -Be 'daemon'
        }

        It 'is never started in disabled mode' {
            $out = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Disabled -Transport Daemon @runtime -Verbose 4>&1
            $out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Started*' } | Should -BeNullOrEmpty
            ($out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).GoTransport | Should -Be ''
        }

        It 'keeps input order with several requests in flight' {
            $env:CAVRA_STANDIN_BEHAVIOR = 'delay-3'
            $records = 1..120 | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } } |
                Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon -ThrottleLimit 8 @runtime
            $records.Request.Target | Should -Be (1..120 | ForEach-Object { "custom scan --check $_" })
            $records | Where-Object ParityMatch -ne $true | Should -BeNullOrEmpty
        }

        It 'is stopped when the pipeline is stopped (Ctrl+C)' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($manifest, $runtime, $policy)
                        Import-Module $manifest
                        1..100000 | ForEach-Object { Start-Sleep -Milliseconds 5; [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } } |
                            Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon -RuntimePath $runtime -PolicyPath $policy
                    }).AddArgument($env:CAVRA_MODULE_MANIFEST).AddArgument($env:CAVRA_STANDIN_RUNTIME).AddArgument($policy)
                $async = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(180)
                while ([DateTime]::UtcNow -lt $deadline -and -not ($daemon = Get-ServeProcess | Where-Object ProcessId -notin $script:before.ProcessId)) { Start-Sleep -Milliseconds 20 }
                $daemon | Should -Not -BeNullOrEmpty
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                # Stopping must not wait for the 100,000 actions: bounded, with room for a loaded machine.
                $sw.Elapsed.TotalSeconds | Should -BeLessThan 60
                Wait-Gone @($daemon)
                $null = $async
            }
            finally { $ps.Dispose() }
        }
    }

    Context 'a daemon owned by the session' {
        It 'starts ready in a private directory, is listed, used by pipelines, and stops without a trace' {
            $d = Start-CavraGoRuntimeDaemon @runtime
            $d.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Runtime.GoRuntimeDaemon'
            $d.Running | Should -BeTrue
            $d.SocketPath | Should -Exist
            [int](Get-Item $d.Directory).UnixFileMode | Should -Be 448 -Because 'the socket directory is 0700'
            @(Get-CavraGoRuntimeDaemon) | Should -HaveCount 1
            (Start-CavraGoRuntimeDaemon @runtime).ProcessId | Should -Be $d.ProcessId -Because 'the same inputs reuse the running daemon'

            $out = 1..20 | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" } } |
                Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon @runtime -Verbose 4>&1
            $out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like "Using the session's cavra-runtime daemon on $($d.SocketPath)*" } | Should -HaveCount 1
            $records = $out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
            $records | Where-Object { $_.GoTransport -ne 'daemon' -or -not $_.ParityMatch } | Should -BeNullOrEmpty
            $d.Running | Should -BeTrue -Because 'a pipeline does not stop the session''s daemon'
            @(Get-ServeProcess | Where-Object ProcessId -notin $script:before.ProcessId) | Should -HaveCount 1

            $gone = [pscustomobject]@{ ProcessId = $d.ProcessId; SocketPath = $d.SocketPath }
            $d | Stop-CavraGoRuntimeDaemon
            Get-CavraGoRuntimeDaemon | Should -BeNullOrEmpty
            Wait-Gone @($gone)
        }

        It 'is noticed when killed mid-stream and restarted; what it could not answer falls back' {
            $d = Start-CavraGoRuntimeDaemon @runtime
            $first = $d.ProcessId
            $records = 1..60 | ForEach-Object {
                if ($_ -eq 20) { Stop-Process -Id $d.ProcessId -Force }
                [pscustomobject]@{ action_type = 'execute_command'; target = "custom scan --check $_" }
            } | Invoke-CavraGoPilotEvaluate -Mode Shadow -Transport Daemon @runtime -TimeoutSeconds 5
            $records.Request.Target | Should -Be (1..60 | ForEach-Object { "custom scan --check $_" })
            $records | ForEach-Object Decision | Sort-Object -Unique | Should -Be 'allow'
            $records | Select-Object -First 10 | Where-Object FallbackUsed | Should -BeNullOrEmpty -Because 'only the (at most 8) requests queued or in flight at the kill can fail'
            $records | Select-Object -Last 20 | Where-Object FallbackUsed | Should -BeNullOrEmpty -Because 'the daemon was restarted'
            # Requests in flight when it died (if any) fall back; once the exit is seen, the next request restarts it.
            foreach ($r in $records | Where-Object FallbackUsed) { $r.FallbackReason | Should -BeLike 'go runtime failed: daemon *' }
            $d.Restarts | Should -Be 1
            $d.ProcessId | Should -Not -Be $first
            Get-ServeProcess | Where-Object ProcessId -eq $first | Should -BeNullOrEmpty
        }

        It 'reports why it could not start, leaving nothing behind' {
            $bad = Join-Path $TestDrive 'bad-policy.json'
            Set-Content -Path $bad -Value '{"commands": {"block": 1}}'
            { Start-CavraGoRuntimeDaemon -RuntimePath $env:CAVRA_STANDIN_RUNTIME -PolicyPath $bad -ErrorAction Stop } |
                Should -Throw -ErrorId 'DaemonStartFailed,Cavra.PowerShell.Commands.StartCavraGoRuntimeDaemonCommand' -ExpectedMessage 'daemon exited with status 1: load policy*'
            Get-CavraGoRuntimeDaemon | Should -BeNullOrEmpty
        }

        It 'stops when its runspace closes or the module is removed' {
            foreach ($how in 'close', 'remove') {
                $rs = [runspacefactory]::CreateRunspace()
                $rs.Open()
                $ps = [powershell]::Create($rs)
                try {
                    $d = $ps.AddScript({ param($m, $r, $p) Import-Module $m; Start-CavraGoRuntimeDaemon -RuntimePath $r -PolicyPath $p }).
                    AddArgument($env:CAVRA_MODULE_MANIFEST).AddArgument($env:CAVRA_STANDIN_RUNTIME).AddArgument($policy).Invoke()[0]
                    $gone = [pscustomobject]@{ ProcessId = $d.ProcessId; SocketPath = $d.SocketPath }
                    Get-ServeProcess | Where-Object ProcessId -eq $gone.ProcessId | Should -Not -BeNullOrEmpty
                    if ($how -eq 'remove') { $ps.Commands.Clear(); $null = $ps.AddScript('Remove-Module Cavra.PowerShell').Invoke() }
                }
                finally { $ps.Dispose(); $rs.Dispose() }
                Wait-Gone @($gone)
            }
        }

        It 'stops when the session crashes with an unhandled exception' {
            $boom = 'public static class CavraBoom { public static void Go() { var t = new System.Threading.Thread(() => { throw new System.InvalidOperationException(""boom""); }); t.Start(); t.Join(); } }'
            $script = "Import-Module '$env:CAVRA_MODULE_MANIFEST'; `$d = Start-CavraGoRuntimeDaemon -RuntimePath '$env:CAVRA_STANDIN_RUNTIME' -PolicyPath '$policy'; " +
                "[Console]::Out.WriteLine(`"`$(`$d.ProcessId) `$(`$d.SocketPath)`"); [Console]::Out.Flush(); Add-Type -TypeDefinition '$($boom -replace "'", "''")'; [CavraBoom]::Go()"
            $child = Invoke-CavraChildPwsh -Script $script
            $child.ExitCode | Should -Not -Be 0
            $child.Error | Should -Match 'boom' -Because 'the session died of the unhandled exception, not of anything else'
            $pid_, $socket = "$(@($child.Output)[0])".Trim() -split ' ', 2
            Wait-Gone @([pscustomobject]@{ ProcessId = [int]$pid_; SocketPath = $socket })
        }

        It 'stops when the session is killed outright, with no chance to clean up' {
            # SIGKILL runs no exit handler: the watcher beside the daemon sees its owner's pipe close and ends it.
            $script = "Import-Module '$env:CAVRA_MODULE_MANIFEST'; `$d = Start-CavraGoRuntimeDaemon -RuntimePath '$env:CAVRA_STANDIN_RUNTIME' -PolicyPath '$policy'; " +
                "[Console]::Out.WriteLine(`"`$(`$d.ProcessId) `$(`$d.SocketPath)`"); [Console]::Out.Flush(); Start-Sleep -Seconds 120"
            $owner = Start-CavraChildPwsh -Script $script
            try {
                $read = $owner.StandardOutput.ReadLineAsync()
                $read.Wait(180000) | Should -BeTrue -Because 'the owner reports its daemon'
                $pid_, $socket = "$($read.Result)".Trim() -split ' ', 2
                Get-ServeProcess | Where-Object ProcessId -eq ([int]$pid_) | Should -Not -BeNullOrEmpty
                Get-OwnerWatch | Where-Object SocketPath -eq $socket | Should -HaveCount 1
                $owner.Kill()   # SIGKILL on Unix
                $owner.WaitForExit(60000) | Should -BeTrue
                Wait-Gone @([pscustomobject]@{ ProcessId = [int]$pid_; SocketPath = $socket })
            }
            finally { if (-not $owner.HasExited) { $owner.Kill($true) }; $owner.Dispose() }
        }

        It 'stops when the session exits' {
            $script = "Import-Module '$env:CAVRA_MODULE_MANIFEST'; `$d = Start-CavraGoRuntimeDaemon -RuntimePath '$env:CAVRA_STANDIN_RUNTIME' -PolicyPath '$policy'; `"`$(`$d.ProcessId) `$(`$d.SocketPath)`""
            $child = Invoke-CavraChildPwsh -Script $script
            $child.ExitCode | Should -Be 0 -Because $child.Error
            $pid_, $socket = "$($child.Output)".Trim() -split ' ', 2
            Wait-Gone @([pscustomobject]@{ ProcessId = [int]$pid_; SocketPath = $socket })
        }
    }
}
