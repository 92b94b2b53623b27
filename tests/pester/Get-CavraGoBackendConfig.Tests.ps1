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
        $settings | Should -HaveCount 19
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
