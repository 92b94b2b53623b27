BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST -or -not $env:CAVRA_PESTER_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST and CAVRA_PESTER_MANIFEST must be set (build.ps1 -Task Test sets them).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Clear-CavraEnvironment

    # Runs the pack in a child pwsh (Pester inside Pester shares state) and returns each test's name and result.
    function Invoke-Pack([hashtable] $Gate, [string] $JUnit) {
        $gateFile = Join-Path $TestDrive ("gate-" + [guid]::NewGuid() + '.clixml')
        $Gate | Export-Clixml $gateFile
        $script = @"
Import-Module '$($env:CAVRA_PESTER_MANIFEST)'; Import-Module '$($env:CAVRA_MODULE_MANIFEST)'
`$c = New-PesterContainer -Path (Get-CavraReadinessPack).FullName -Data @{ Parameters = (Import-Clixml '$gateFile') }
`$cfg = New-PesterConfiguration; `$cfg.Run.Container = `$c; `$cfg.Run.PassThru = `$true; `$cfg.Output.Verbosity = 'None'
`$cfg.TestResult.Enabled = `$true; `$cfg.TestResult.OutputFormat = 'JUnitXml'; `$cfg.TestResult.OutputPath = '$JUnit'
`$r = Invoke-Pester -Configuration `$cfg
`$r.Tests | ForEach-Object { '{0}|{1}|{2}' -f `$_.ExpandedName, `$_.Result, (`$_.Path -join '/') }
"@
        $hostPath = [Environment]::ProcessPath
        $arguments = if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-Command', $script) } else { @('-NoProfile', '-Command', $script) }
        & $hostPath @arguments | ForEach-Object { $n, $r, $p = $_ -split '\|'; [pscustomobject]@{ Name = $n; Result = $r; Path = $p } }
    }
}

Describe 'Readiness pack' {
    It 'is shipped with the module' {
        (Get-CavraReadinessPack).Name | Should -Be 'Cavra.GoPromotion.Tests.ps1'
    }

    It 'passes every test, one per step and check, over a complete evidence set' {
        $gate = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'good')
        $junit = Join-Path $TestDrive 'good.xml'
        $tests = Invoke-Pack $gate $junit
        $tests.Result | Sort-Object -Unique | Should -Be 'Passed'
        $tests.Name | Should -Contain 'promoted mode selects the Go runtime'
        $tests.Name | Should -Contain 'go_rollback_drill_freshness'
        $tests.Name | Should -Contain 'step rollback_drill_schedule is ready'
        ($tests | Where-Object Name -like 'step *') | Should -HaveCount 7
        ([xml](Get-Content -Raw $junit)).testsuites.failures | Should -Be '0'
    }

    It 'names exactly the failing check when evidence is broken' {
        $gate = New-CavraTestEvidenceSet -Path (Join-Path $TestDrive 'bad')
        Remove-Item $gate.RollbackRehearsalPath
        $junit = Join-Path $TestDrive 'bad.xml'
        $failed = Invoke-Pack $gate $junit | Where-Object Result -eq 'Failed'
        $failed.Name | Should -Contain 'go_rollback_rehearsal_evidence'
        $failed.Name | Should -Contain 'step rollback_rehearsal is ready'
        $failed.Name | Should -Contain 'promoted mode selects the Go runtime'
        $failed.Name | Should -Not -Contain 'go_rollback_plan'
        [int] ([xml](Get-Content -Raw $junit)).testsuites.failures | Should -BeGreaterThan 0
    }
}
