BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Get-CavraGoBackendConfig' {
    AfterEach { Clear-CavraEnvironment }

    It 'returns every setting with its default source when nothing is configured' {
        $settings = Get-CavraGoBackendConfig
        $settings | Should -HaveCount ([Cavra.Gate.Configuration.GateSettings]::All.Count)
        ($settings | Where-Object Name -eq 'Mode').Value | Should -Be 'Disabled'
        ($settings | Where-Object Source -ne 'Default') | Should -BeNullOrEmpty
        ($settings | Where-Object Name -eq 'TimeoutSeconds').Value | Should -Be 5.0
        ($settings | Where-Object Name -eq 'ParityMaxAgeDays').Value | Should -Be 30.0
        ($settings | Where-Object Name -eq 'RequireParityReport').Value | Should -BeFalse
    }

    It 'takes environment variables and says so' {
        $env:CAVRA_GO_BACKEND_MODE = 'shadow'
        $env:CAVRA_GO_ROLLBACK_PLAN = 'plan.json'
        $settings = Get-CavraGoBackendConfig
        $mode = $settings | Where-Object Name -eq 'Mode'
        $mode.Value | Should -Be 'Shadow'
        $mode.Source | Should -Be 'Environment'
        ($settings | Where-Object Name -eq 'RollbackPlanPath').Value | Should -Be 'plan.json'
    }

    It 'lets parameters override the environment and resolves paths against $PWD' {
        $env:CAVRA_GO_BACKEND_MODE = 'shadow'
        Push-Location $TestDrive
        try { $settings = Get-CavraGoBackendConfig -Mode Promoted -RuntimePath ./bin/cavra-runtime }
        finally { Pop-Location }
        ($settings | Where-Object Name -eq 'Mode').Source | Should -Be 'Parameter'
        ($settings | Where-Object Name -eq 'Mode').Value | Should -Be 'Promoted'
        ($settings | Where-Object Name -eq 'RuntimePath').Value | Should -Be (Join-Path $TestDrive 'bin/cavra-runtime')
    }

    It 'rejects an unknown -Mode as a parameter error' {
        { Get-CavraGoBackendConfig -Mode turbo } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,Cavra.PowerShell.Commands.GetCavraGoBackendConfigCommand'
    }

    It 'treats an unknown CAVRA_GO_BACKEND_MODE as disabled and says so in -Verbose' {
        $env:CAVRA_GO_BACKEND_MODE = 'turbo'
        $settings = Get-CavraGoBackendConfig -Verbose 4>&1
        $verbose = $settings | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($settings | Where-Object Name -eq 'Mode').Value | Should -Be 'Disabled'
        ($verbose.Message -join "`n") | Should -Match 'treated as disabled'
    }

    It 'emits canonical JSON with -AsJson' {
        $json = Get-CavraGoBackendConfig -AsJson -Mode Enforce
        $json | Should -BeOfType [string]
        ($json | ConvertFrom-Json).mode | Should -Be 'enforce'
        $json | Should -Match '"timeout_seconds": 5.0'
    }

    It 'completes -Mode values' {
        $line = 'Get-CavraGoBackendConfig -Mode Pro'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'Promoted'
    }
}

Describe 'The settings table drives every configuration surface' {
    BeforeAll {
        $script:Rows = @([Cavra.Gate.Configuration.GateSettings]::All)
        $script:ParameterType = @{
            Mode   = [Cavra.Gate.Configuration.BackendMode]
            Path   = [string]
            Number = [double]
            Switch = [System.Management.Automation.SwitchParameter]
        }
        $base = [Cavra.PowerShell.Infrastructure.GateConfigurationCmdlet]
        $script:GateCmdlets = @(Get-Command -Module Cavra.PowerShell -CommandType Cmdlet | Where-Object { $base.IsAssignableFrom($_.ImplementingType) })
    }

    It 'has gate-configuration cmdlets to check' {
        $GateCmdlets.Name | Should -Contain 'Test-CavraGoPromotion'
        $GateCmdlets.Name | Should -Contain 'Get-CavraGoBackendConfig'
    }

    It 'gives every gate-configuration cmdlet exactly one parameter per row, of the row''s type, validated by the row' {
        foreach ($cmdlet in $GateCmdlets) {
            foreach ($row in $Rows) {
                $matching = @($cmdlet.Parameters.Values | Where-Object { $_.Name -eq $row.Name -or $_.Aliases -contains $row.Name })
                $matching.Count | Should -Be 1 -Because "$($cmdlet.Name) should have exactly one -$($row.Name)"
                $matching[0].ParameterType | Should -Be $ParameterType[[string] $row.Kind] -Because "$($cmdlet.Name) -$($row.Name) is a $($row.Kind) setting"
                $validators = @($matching[0].Attributes | Where-Object { $_ -is [Cavra.PowerShell.Infrastructure.ValidateGateSettingAttribute] })
                $validators.Count | Should -Be 1 -Because "-$($row.Name) applies the row's validator"
                $validators[0].Setting | Should -Be $row
            }
        }
    }

    It 'declares the configuration parameters once, on the base class, and forwards them without reflection' {
        $declared = [Cavra.PowerShell.Infrastructure.GateConfigurationCmdlet].GetProperties([System.Reflection.BindingFlags] 'Public, Instance, DeclaredOnly') |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true) }
        @($declared.Name | Sort-Object) | Should -Be @($Rows.Name | Sort-Object)
        [Cavra.PowerShell.Infrastructure.GateConfigurationCmdlet].Assembly.GetType('Cavra.PowerShell.Infrastructure.GateConfigurationParameters') | Should -BeNullOrEmpty
    }

    It 'lists exactly the table''s rows in about_Cavra_GoPromotion, with their variable, key and default' {
        $page = Join-Path $PSScriptRoot '../../docs/en-US/about_Cavra_GoPromotion.md'
        $lines = @(Get-Content -LiteralPath $page | Where-Object { $_ -match '^- -\w+, CAVRA_\w+, ' })
        $documented = foreach ($l in $lines) {
            $l -match '^- -(\w+), (CAVRA_\w+), (\w+|none), default ([^:]+): ' | Should -BeTrue -Because "'$l' follows the settings line format"
            [pscustomobject]@{ Name = $Matches[1]; Variable = $Matches[2]; Key = $Matches[3]; Default = $Matches[4] }
        }
        @($documented.Name) | Should -Be @($Rows.Name)
        foreach ($row in $Rows) {
            $doc = $documented | Where-Object Name -eq $row.Name
            $doc.Variable | Should -Be $row.EnvironmentVariable
            $doc.Key | Should -Be $(if ($row.Key) { $row.Key } else { 'none' })
            $expected = switch ($row.Kind) {
                'Path' { 'not configured' }
                default { [Cavra.Gate.Configuration.GateSetting]::Describe($row.DefaultValue) -replace '\.0$', '' }
            }
            $doc.Default | Should -Be $expected -Because "the documented default of -$($row.Name)"
        }
    }

    It 'documents every row as a parameter of every gate-configuration cmdlet''s help' {
        foreach ($cmdlet in $GateCmdlets) {
            $help = Get-Help $cmdlet.Name -Full
            foreach ($row in $Rows) {
                @($help.parameters.parameter | Where-Object name -EQ $row.Name).Count | Should -Be 1 -Because "Get-Help $($cmdlet.Name) should document -$($row.Name)"
            }
        }
    }
}

Describe 'One validator per setting, for every source' {
    AfterEach { Clear-CavraEnvironment }

    It 'refuses -TimeoutSeconds <Value> as a parameter error' -ForEach @(
        @{ Value = [double]::PositiveInfinity }, @{ Value = 3601 }, @{ Value = [double]::NaN }, @{ Value = -1 }, @{ Value = 0 }
    ) {
        { Get-CavraGoBackendConfig -TimeoutSeconds $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Cavra.PowerShell.Commands.GetCavraGoBackendConfigCommand'
        { Test-CavraGoPromotion -TimeoutSeconds $Value } | Should -Throw '*timeout_seconds*'
    }

    It 'shows CAVRA_GO_RUNTIME_TIMEOUT_SECONDS=<Text> as refused, and runtime calls fail closed' -ForEach @(
        @{ Text = 'inf'; Why = 'must be between 0.001 and 3600' }, @{ Text = '1e400'; Why = 'must be between 0.001 and 3600' },
        @{ Text = '7200'; Why = 'must be between 0.001 and 3600' }, @{ Text = 'NaN'; Why = 'must be a positive number' }, @{ Text = '-3'; Why = 'must be a positive number' }
    ) {
        $env:CAVRA_GO_RUNTIME_TIMEOUT_SECONDS = $Text
        $timeout = Get-CavraGoBackendConfig | Where-Object Name -eq 'TimeoutSeconds'
        $timeout.Source | Should -Be 'Environment'
        $timeout.Refusal | Should -Be $Why
        $timeout.Note | Should -BeLike "*CAVRA_GO_RUNTIME_TIMEOUT_SECONDS='$Text' is refused: timeout_seconds $Why*"
        if (-not $env:CAVRA_STANDIN_RUNTIME) { throw 'CAVRA_STANDIN_RUNTIME must name the stand-in runtime (build.ps1 -Task Test sets it).' }
        $policy = Join-Path $PSScriptRoot '../../examples/policy/compiled_policy.json'
        $r = Invoke-CavraGoPilotEvaluate execute_command 'git status' -Mode Shadow -RuntimePath $env:CAVRA_STANDIN_RUNTIME -PolicyPath $policy
        $r.FallbackReason | Should -Be "go runtime failed: timeout_seconds $Why"
    }
}

Describe 'One settings file and one evidence folder for every cmdlet' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid())
        $gate = New-CavraTestEvidenceSet -Path $dir
        # One folder: the evidence and the deployment metadata side by side, under their default names.
        Copy-Item (Join-Path $gate.PackageDir '*') $dir
        $runtime = @{ RuntimePath = $gate.RuntimePath; PolicyPath = $gate.PolicyPath }
    }
    AfterEach { Clear-CavraEnvironment }

    It '-EvidenceDirectory finds every evidence file and the deployment metadata in one folder' {
        Test-CavraGoPromotion -Mode Promoted @runtime -PackageDir $dir -Quiet | Should -BeFalse -Because 'the package dir alone does not find the promotion evidence'
        Test-CavraGoPromotion -Mode Promoted @runtime -EvidenceDirectory $dir -Quiet | Should -BeTrue
        $settings = Get-CavraGoBackendConfig -EvidenceDirectory $dir
        foreach ($name in 'PackageDir', 'PromotionEvidencePath', 'RollbackPlanPath', 'RollbackRehearsalPath', 'RollbackDrillHistoryPath', 'RollbackDrillSchedulePath') {
            ($settings | Where-Object Name -eq $name).Source | Should -Be 'EvidenceDirectory' -Because $name
        }
        ($settings | Where-Object Name -eq 'RollbackPlanPath').Value | Should -Be (Join-Path $dir 'cavra-runtime.go-backend-rollback-plan.json')
        ($settings | Where-Object Name -eq 'EvidenceDirectory').Source | Should -Be 'Parameter'
    }

    It 'CAVRA_GO_EVIDENCE_DIR works the same, relative to the current location' {
        Push-Location $dir
        try {
            $env:CAVRA_GO_EVIDENCE_DIR = '.'
            Test-CavraGoPromotion -Mode Promoted @runtime -Quiet | Should -BeTrue
        }
        finally { Pop-Location }
    }

    It 'leaves the drill schedule unconfigured when the folder has none' {
        Remove-Item (Join-Path $dir 'cavra-runtime.go-backend-rollback-drill-schedule.json')
        $schedule = Get-CavraGoBackendConfig -EvidenceDirectory $dir | Where-Object Name -eq 'RollbackDrillSchedulePath'
        $schedule.Value | Should -Be ''
        $schedule.Source | Should -Be 'Default'
        Test-CavraGoPromotion -Mode Promoted @runtime -EvidenceDirectory $dir -Quiet | Should -BeTrue
    }

    It 'ranks the folder at its own level: -EvidenceDirectory beats CAVRA_GO_ROLLBACK_PLAN, -RollbackPlanPath beats -EvidenceDirectory' {
        $env:CAVRA_GO_ROLLBACK_PLAN = '/env/plan.json'
        $plan = { param($s) ($s | Where-Object Name -eq 'RollbackPlanPath') }
        (& $plan (Get-CavraGoBackendConfig -EvidenceDirectory $dir)).Source | Should -Be 'EvidenceDirectory'
        (& $plan (Get-CavraGoBackendConfig -EvidenceDirectory $dir -RollbackPlanPath /p/plan.json)).Value | Should -Be '/p/plan.json'
        $env:CAVRA_GO_EVIDENCE_DIR = $dir
        (& $plan (Get-CavraGoBackendConfig)).Value | Should -Be '/env/plan.json' -Because 'a folder from the environment fills only what nothing else gives'
    }

    It '-SettingsPath reads the API''s snake_case file, relative paths against its folder, ranked between parameters and environment' {
        $file = Join-Path $dir 'settings.json'
        Set-Content -LiteralPath $file -Value '{"mode": "enforce", "evidence_dir": ".", "runtime_path": "cavra-runtime", "policy_path": "compiled-policy.json", "timeout_seconds": 9}'
        $env:CAVRA_GO_BACKEND_MODE = 'shadow'
        $env:CAVRA_GO_RUNTIME_TIMEOUT_SECONDS = '2'
        $settings = Get-CavraGoBackendConfig -SettingsPath $file
        ($settings | Where-Object Name -eq 'Mode') | ForEach-Object { $_.Value, $_.Source } | Should -Be @('Enforce', 'SettingsFile')
        ($settings | Where-Object Name -eq 'TimeoutSeconds').Value | Should -Be 9
        ($settings | Where-Object Name -eq 'RuntimePath').Value | Should -Be $gate.RuntimePath
        ($settings | Where-Object Name -eq 'SettingsPath').Source | Should -Be 'Parameter'
        (Get-CavraGoBackendConfig -SettingsPath $file -Mode Promoted | Where-Object Name -eq 'Mode').Source | Should -Be 'Parameter'
        Test-CavraGoPromotion -SettingsPath $file -Mode Promoted -Quiet | Should -BeTrue
        Test-CavraGoPromotion -SettingsPath $file -Quiet | Should -BeFalse -Because 'the file says enforce'
    }

    It 'CAVRA_GO_SETTINGS names the settings file when -SettingsPath is not given' {
        $file = Join-Path $dir 'settings.json'
        Set-Content -LiteralPath $file -Value '{"mode": "promoted", "evidence_dir": "."}'
        $env:CAVRA_GO_SETTINGS = $file
        Test-CavraGoPromotion @runtime -Quiet | Should -BeTrue
        (Get-CavraGoBackendConfig | Where-Object Name -eq 'SettingsPath').Source | Should -Be 'Environment'
    }

    It 'refuses a missing settings file with SettingsFileNotFound, from <Source>' -ForEach @(@{ Source = 'parameter' }, @{ Source = 'environment' }) {
        $missing = Join-Path $dir 'no-such-settings.json'
        if ($Source -eq 'environment') { $env:CAVRA_GO_SETTINGS = $missing; $p = @{} } else { $p = @{ SettingsPath = $missing } }
        { Test-CavraGoPromotion @p -Quiet } | Should -Throw -ErrorId 'SettingsFileNotFound,Cavra.PowerShell.Commands.TestCavraGoPromotionCommand'
        { Get-CavraGoBackendConfig @p } | Should -Throw -ErrorId 'SettingsFileNotFound,Cavra.PowerShell.Commands.GetCavraGoBackendConfigCommand'
    }

    It 'refuses an unusable settings file with SettingsFileInvalid: <Json>' -ForEach @(
        @{ Json = '{"timeout_seconds": 7200}'; Why = '*timeout_seconds must be between 0.001 and 3600*' },
        @{ Json = '{"mode": "turbo"}'; Why = '*mode must be disabled, shadow, enforce or promoted*' },
        @{ Json = '{"rollback_plan": "x"}'; Why = "*unknown key 'rollback_plan'*" },
        @{ Json = '{"mode": "promoted",}'; Why = '*settings file*' }
    ) {
        $file = Join-Path $dir 'bad-settings.json'
        Set-Content -LiteralPath $file -Value $Json
        $err = $null
        try { Test-CavraGoPromotion -SettingsPath $file -Quiet } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'SettingsFileInvalid,Cavra.PowerShell.Commands.TestCavraGoPromotionCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike $Why
    }

    It 'gives the settings file to the cmdlets that read part of the configuration' {
        $file = Join-Path $dir 'settings.json'
        Set-Content -LiteralPath $file -Value '{"evidence_dir": ".", "rollback_drill_max_age_days": 0}'
        $rehearsal = Join-Path $dir 'new-rehearsal.json'
        $r = New-CavraRollbackRehearsal -Path $rehearsal -SettingsPath $file -Status pass -Simulated -FallbackVerified -RecoveryMinutes 5 -RunbookRef docs/r.md -EvidenceRef 'x://1'
        $r.Valid | Should -BeTrue
        $drill = Add-CavraRollbackDrill -Path (Join-Path $dir 'drills2.json') -SettingsPath $file -Status pass -FallbackVerified -RecoveryMinutes 1 -MaxRecoveryMinutes 15 -RunbookRef docs/d.md -EvidenceRef 'x://2'
        $drill.History.Fresh | Should -BeFalse -Because 'the settings file sets a maximum age of 0 days'
        { New-CavraRollbackRehearsal -Path (Join-Path $dir 'r2.json') -SettingsPath (Join-Path $dir 'none.json') -Status pass -RecoveryMinutes 5 -RunbookRef r -EvidenceRef x } |
            Should -Throw -ErrorId 'SettingsFileNotFound,Cavra.PowerShell.Commands.NewCavraRollbackRehearsalCommand'
    }

    It 'prints every source name in full in the table view' {
        $file = Join-Path $dir 'settings.json'
        Set-Content -LiteralPath $file -Value '{"mode": "shadow"}'
        $text = Get-CavraGoBackendConfig -SettingsPath $file -EvidenceDirectory $dir | Out-String -Width 200
        # The table is Name, Source, Value: each source name whole, never cut to fit.
        $text | Should -Match '(?m)^RollbackPlanPath\s+EvidenceDirectory\s'
        $text | Should -Match '(?m)^Mode\s+SettingsFile\s+Shadow'
    }

    It 'carries -SettingsPath and -EvidenceDirectory into the readiness pack' {
        $pack = Join-Path (Split-Path $env:CAVRA_MODULE_MANIFEST) 'ReadinessPack/Cavra.GoPromotion.Tests.ps1'
        $declared = (Get-Command $pack).Parameters.Keys
        foreach ($row in [Cavra.Gate.Configuration.GateSettings]::All) { $declared | Should -Contain $row.Name -Because 'the pack passes every setting on' }
    }
}
