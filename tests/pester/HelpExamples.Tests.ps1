# Runs every example of the module's help (Get-Help -Full of every exported cmdlet, and the about topics' code blocks)
# offline against a temporary evidence set, and fails when one errors: help must never drift from the code or depend on
# a date that expires. The examples run in a child pwsh (tests/pester/Invoke-HelpExamples.ps1, which also lists every
# example that does not run exactly as written, and why); each is one test here.

BeforeDiscovery {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'HelpExamples.Tests.ps1: CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    $module = Import-Module $env:CAVRA_MODULE_MANIFEST -Force -PassThru -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'HelpExamples.psm1') -Force
    $examples = @(Get-CavraHelpExample -Module $module -DocsPath (Join-Path $PSScriptRoot '../../docs/en-US') |
            ForEach-Object { @{ Key = $_.Key; Title = $_.Title } })
    if ($examples.Count -lt 16) { throw "HelpExamples.Tests.ps1: found only $($examples.Count) help examples." }
}

BeforeAll {
    foreach ($v in 'CAVRA_MODULE_MANIFEST', 'CAVRA_STANDIN_RUNTIME', 'CAVRA_PESTER_MANIFEST') {
        if (-not [Environment]::GetEnvironmentVariable($v)) { throw "HelpExamples.Tests.ps1: $v must be set (build.ps1 -Task Test sets it)." }
    }
    $resultPath = Join-Path $TestDrive 'help-examples.json'
    $hostPath = [Environment]::ProcessPath
    $arguments = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Invoke-HelpExamples.ps1'),
        '-ModuleManifest', $env:CAVRA_MODULE_MANIFEST, '-RuntimePath', $env:CAVRA_STANDIN_RUNTIME, '-PesterManifest', $env:CAVRA_PESTER_MANIFEST,
        '-DocsPath', (Join-Path $PSScriptRoot '../../docs/en-US'), '-WorkPath', (Join-Path $TestDrive 'work'), '-ResultPath', $resultPath)
    if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments }
    $script:runnerOutput = & $hostPath @arguments 2>&1 | Out-String
    $script:results = @{}
    if (Test-Path -LiteralPath $resultPath) {
        foreach ($r in Get-Content -Raw -LiteralPath $resultPath | ConvertFrom-Json) { $results[$r.Key] = $r }
    }
}

Describe 'Help examples run offline' {
    It 'the runner finished and reported every example' {
        $results.Count | Should -BeGreaterThan 0 -Because "the runner should report results: $runnerOutput"
    }

    It 'no code block in the help, README.md or docs/ hard-codes a calendar date (it would expire)' {
        $repo = Join-Path $PSScriptRoot '../..'
        $pages = @(Get-Item -LiteralPath (Join-Path $repo 'README.md')) + @(Get-ChildItem -LiteralPath (Join-Path $repo 'docs') -Recurse -Filter *.md -File)
        $dated = foreach ($page in $pages) {
            $text = [IO.File]::ReadAllText($page.FullName) -replace "`r`n", "`n"
            foreach ($m in [regex]::Matches($text, '(?ms)^```[^\n]*\n(.*?)^```')) {
                foreach ($d in [regex]::Matches($m.Groups[1].Value, '\b(19|20)\d\d-[01]\d-[0-3]\d')) { '{0}: {1}' -f $page.Name, $d.Value }
            }
        }
        $dated | Should -BeNullOrEmpty -Because 'examples compute dates relative to now, e.g. (Get-Date).AddDays(30)'
    }

    It '<Key>: <Title>' -ForEach $examples {
        $r = $results[$Key]
        if ($results.Count -eq 0) { throw 'The runner reported nothing: see the first test.' }
        $r | Should -Not -BeNullOrEmpty -Because 'the runner reports every example it finds'
        if ($r.Status -eq 'skipped') { Set-ItResult -Skipped -Because $r.Message; return }
        $r.Status | Should -Be 'passed' -Because "$($r.Message)`n--- output ---`n$($r.Output)"
    }
}
