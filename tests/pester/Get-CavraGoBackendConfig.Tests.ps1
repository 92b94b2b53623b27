BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    $script:saved = @{}
    foreach ($v in Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue) { $script:saved[$v.Name] = $v.Value; Remove-Item "env:$($v.Name)" }
}
AfterAll {
    foreach ($v in Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue) { Remove-Item "env:$($v.Name)" }
    foreach ($k in $script:saved.Keys) { Set-Item "env:$k" $script:saved[$k] }
}

Describe 'Get-CavraGoBackendConfig' {
    AfterEach { foreach ($v in Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue) { Remove-Item "env:$($v.Name)" } }

    It 'returns every setting with its default source when nothing is configured' {
        $settings = Get-CavraGoBackendConfig
        $settings | Should -HaveCount ([Cavra.Gate.Configuration.GateSettings]::All.Count)
        ($settings | Where-Object Name -eq 'Mode').Value | Should -Be 'Disabled'
        ($settings | Where-Object Source -ne 'Default') | Should -BeNullOrEmpty
        ($settings | Where-Object Name -eq 'TimeoutSeconds').Value | Should -Be 5.0
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
        $lines = @(Get-Content -LiteralPath $page | Where-Object { $_ -match '^- -\w+, CAVRA_GO_' })
        $documented = foreach ($l in $lines) {
            $l -match '^- -(\w+), (CAVRA_GO_\w+), (\w+|none), default ([^:]+): ' | Should -BeTrue -Because "'$l' follows the settings line format"
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
    AfterEach { foreach ($v in Get-ChildItem env:CAVRA_GO_* -ErrorAction SilentlyContinue) { Remove-Item "env:$($v.Name)" } }

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
