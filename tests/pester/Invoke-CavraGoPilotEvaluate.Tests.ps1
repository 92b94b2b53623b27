BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    if (-not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_STANDIN_RUNTIME must name the stand-in runtime (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
    $script:policy = Join-Path (Resolve-Path (Join-Path $PSScriptRoot '../..')) 'examples/policy/compiled_policy.json'
}
AfterAll {
    Clear-CavraEnvironment
    Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Invoke-CavraGoPilotEvaluate' {
    BeforeEach {
        Clear-CavraEnvironment
        Remove-Item env:CAVRA_STANDIN_BEHAVIOR -ErrorAction SilentlyContinue
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        $gate.RuntimePath = $env:CAVRA_STANDIN_RUNTIME
        $gate.PolicyPath = $script:policy   # examples/policy/compiled_policy.json: allows 'custom scan*', blocks 'dangerous mutate*'
        $runtime = @{ RuntimePath = $env:CAVRA_STANDIN_RUNTIME; PolicyPath = $script:policy }
    }

    Context 'modes' {
        It 'disabled: built-in decision, the runtime is never called' {
            $r = Invoke-CavraGoPilotEvaluate execute_command 'terraform plan' -Mode Disabled
            $r.PSObject.TypeNames[0] | Should -Be 'Cavra.Gate.Pilot.EvaluationRecord'
            $r.SelectedBackend | Should -Be 'dotnet'
            $r.FallbackUsed | Should -BeFalse
            $r.FallbackReason | Should -Be 'go backend pilot is disabled'
            $r.Decision | Should -Be 'allow'
            $r.RuleId | Should -Be 'commands.allow'
            $r.GoDecision | Should -BeNullOrEmpty
        }

        It 'shadow: records parity and keeps the built-in decision' {
            $r = Invoke-CavraGoPilotEvaluate execute_command 'dangerous mutate --apply' -Mode Shadow @runtime
            $r.SelectedBackend | Should -Be 'dotnet'
            $r.ParityMatch | Should -BeTrue
            $r.FallbackUsed | Should -BeFalse
            $r.Decision | Should -Be 'block'
            $r.Severity | Should -Be 'critical'
            $r.GoDecision | Should -Not -BeNullOrEmpty
        }

        It 'enforce: selects Go when it agrees' {
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Enforce @runtime
            $r.SelectedBackend | Should -Be 'go'
            $r.Decision | Should -Be 'allow'
        }

        It 'enforce: keeps the built-in decision when Go diverges' {
            $env:CAVRA_STANDIN_BEHAVIOR = 'diverge'
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Enforce @runtime
            $r.SelectedBackend | Should -Be 'dotnet'
            $r.ParityMatch | Should -BeFalse
            $r.FallbackReason | Should -Be 'go decision diverged from built-in .NET parity gate'
            $r.Decision | Should -Be 'allow'
        }

        It 'promoted: selects Go when the whole gate passes, and records the audit trail' {
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' @gate
            $r.SelectedBackend | Should -Be 'go'
            $r.Audit.PromotionApprovalId | Should -Be 'apr_go_backend_promotion'
            $r.Audit.RollbackPlanApprovalId | Should -Be 'apr_go_backend_rollback'
            $r.Audit.LatestDrillId | Should -Be 'drill_go_backend_python_fallback'
            $r.Audit.PromotionEvidenceRefs | Should -HaveCount 2
        }

        It 'promoted: falls back at the first failing gate step and still records the audit trail' {
            Remove-Item $gate.RollbackDrillHistoryPath
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' @gate
            $r.SelectedBackend | Should -Be 'dotnet'
            $r.FallbackReason | Should -Be 'go backend rollback drill history check failed'
            $r.RollbackDrillHistory | Should -Not -BeNullOrEmpty
            $r.RollbackDrillSchedule | Should -BeNullOrEmpty
            $r.Audit.PromotionApprovalId | Should -Be 'apr_go_backend_promotion'
        }

        It 'runtime readiness comes first in every enabled mode' {
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow -RuntimePath (Join-Path $TestDrive 'missing') -PolicyPath $script:policy
            $r.FallbackReason | Should -Be 'go backend readiness check failed'
            $r.Readiness.Status | Should -Be 'NeedsAttention'
        }
    }

    Context 'runtime failures fall back to the built-in decision' {
        It '<_> falls back with a go runtime failure' -ForEach @('crash', 'exit-nonzero', 'garbage', 'array', 'huge', 'invalid-utf8', 'empty') {
            $env:CAVRA_STANDIN_BEHAVIOR = $_
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Enforce @runtime
            $r.SelectedBackend | Should -Be 'dotnet'
            $r.FallbackUsed | Should -BeTrue
            $r.FallbackReason | Should -BeLike 'go runtime failed: *'
            $r.Decision | Should -Be 'allow'
        }

        It 'a timeout kills the runtime and falls back' {
            $env:CAVRA_STANDIN_BEHAVIOR = 'sleep'
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $r = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Enforce @runtime -TimeoutSeconds 1
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
            $r.FallbackReason | Should -BeLike 'go runtime failed: *timed out*'
        }
    }

    Context 'pipeline, output and journal' {
        It 'binds snake_case properties from ConvertFrom-Json' {
            $lines = @(
                '{"action_type": "read_file", "target": ".env"}'
                '{"action_type": "git_operation", "target": "origin/main", "operation": "push"}'
                '{"action_type": "mcp_tool_call", "target": "x", "server": "unknown-provider", "tool": "read_file", "capability": "filesystem", "policy_pack": "cavra-mcp-enterprise"}'
                '{"action_type": "release_governance_record", "record": {"metadata_kind": "rollout-rollback-execution", "approval_required_count": 1}}'
            )
            $r = $lines | ConvertFrom-Json | Invoke-CavraGoPilotEvaluate -Mode Disabled
            $r | Should -HaveCount 4
            $r[0].RuleId | Should -Be 'filesystem.read.block'
            $r[1].RuleId | Should -Be 'git.protected_branch.block_direct_push'
            $r[2].RuleId | Should -Be 'mcp.server.trust.block_unknown'
            $r[3].RuleId | Should -Be 'release_governance.approval.missing'
        }

        It 'emits canonical JSON with the dotnet renames' {
            $doc = Invoke-CavraGoPilotEvaluate execute_command 'custom scan --check' -Mode Shadow @runtime -AsJson | ConvertFrom-Json
            $doc.schema_version | Should -Be 'cavra.go-backend-pilot.evaluation.v1'
            $doc.selected_backend | Should -Be 'dotnet'
            $doc.dotnet_decision.rule_id | Should -Be 'commands.allow'
            $doc.PSObject.Properties.Name | Should -Not -Contain 'python_decision'
        }

        It 'appends a header and one hash-chained JSON line per evaluation to -JournalPath' {
            $journal = Join-Path $TestDrive 'journal.jsonl'
            1..3 | ForEach-Object { [pscustomobject]@{ action_type = 'execute_command'; target = "pytest -k t$_" } } |
                Invoke-CavraGoPilotEvaluate -Mode Shadow @runtime -JournalPath $journal | Out-Null
            $lines = Get-Content $journal
            $lines | Should -HaveCount 4
            ($lines[0] | ConvertFrom-Json).journal_schema | Should -Be 'cavra.powershell.pilot-journal.v2'
            $line = $lines[3] | ConvertFrom-Json
            $line.request.target | Should -Be 'pytest -k t3'
            $sha = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($lines[2]))
            $line.prev | Should -Be ([Convert]::ToHexStringLower($sha))
            $line.runtime_sha256 | Should -Be (Get-FileHash $env:CAVRA_STANDIN_RUNTIME -Algorithm SHA256).Hash.ToLowerInvariant()
            $line.transport | Should -Be 'one-shot'
        }

        It 'completes -ActionType and -PolicyPack' {
            $line = 'Invoke-CavraGoPilotEvaluate -ActionType exec'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'execute_command'
            $line = 'Invoke-CavraGoPilotEvaluate -PolicyPack cavra-kub'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'cavra-kubernetes-prod'
        }

        It 'reports a bad -Record as an error and goes on' {
            $r = Invoke-CavraGoPilotEvaluate release_governance_record x -Record '{not json' -Mode Disabled -ErrorVariable errs -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'InvalidRecord,Cavra.PowerShell.Commands.InvokeCavraGoPilotEvaluateCommand'
        }
    }
}

Describe 'Progress on long pipelines' {
    BeforeAll {
        function Invoke-Captured([switch] $AsJson) {
            # A runspace of its own, so the progress records can be read from its streams.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $AsJson)
                        Import-Module $Manifest
                        $clock = [Diagnostics.Stopwatch]::StartNew()
                        # Input that arrives slowly (60 ms an action), so the pipeline outlasts the half second after
                        # which progress starts on any machine, however fast.
                        1..30 | ForEach-Object { Start-Sleep -Milliseconds 60; [pscustomobject]@{ ActionType = 'read_file'; Target = "file$_.txt" } } |
                            Invoke-CavraGoPilotEvaluate -Mode Disabled -AsJson:$AsJson | Out-Null
                        $clock.ElapsedMilliseconds
                    }).AddArgument($env:CAVRA_MODULE_MANIFEST).AddArgument([bool] $AsJson)
                $elapsed = $ps.Invoke()
                [pscustomobject]@{ Elapsed = [long] $elapsed[-1]; Progress = @($ps.Streams.Progress) }
            }
            finally { $ps.Dispose() }
        }
    }

    It 'shows counts, the rate and fallbacks (no percentage: pipeline input has no known length), and completes' {
        $run = Invoke-Captured
        $run.Elapsed | Should -BeGreaterThan 1000 -Because 'the input is paced to outlast the half-second delay'
        $run.Progress | Should -Not -BeNullOrEmpty
        $run.Progress[0].StatusDescription | Should -Match '^[\d,]+ evaluated \([\d,]+ per second\), 0 fell back to the built-in decision$'
        $run.Progress[0].PercentComplete | Should -Be -1
        $run.Progress[-1].RecordType | Should -Be 'Completed'
        $run.Progress[-1].StatusDescription | Should -Match '^30 evaluated'
    }

    It 'never writes progress with -AsJson, whose output scripts parse' {
        $run = Invoke-Captured -AsJson
        $run.Elapsed | Should -BeGreaterThan 1000 -Because 'long enough that progress would otherwise show'
        $run.Progress | Should -BeNullOrEmpty
    }
}
