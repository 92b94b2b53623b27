# Functional help tests: what a user sees from Get-Help for every exported cmdlet of the assembled module.
# They read the compiled MAML through Get-Help itself, so a missing file, a wrong file name, 'en-us' instead of
# 'en-US' on Linux, or malformed XML all fail here (PSScriptAnalyzer's ModuleHelp.Tests.ps1 pattern).
# Pester 5 and 6: one BeforeAll per block; -ForEach data is never empty.

BeforeDiscovery {
    if (-not $env:CAVRA_MODULE_MANIFEST) {
        throw 'Help.Tests.ps1: CAVRA_MODULE_MANIFEST must name the assembled module''s psd1 (build.ps1 -Task Test sets it).'
    }
    # The binary module is loaded at discovery only to list its cmdlets and their non-common parameters.
    $module = Import-Module $env:CAVRA_MODULE_MANIFEST -Force -PassThru -ErrorAction Stop
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $cmdlets = @(foreach ($c in $module.ExportedCmdlets.Values | Sort-Object Name) {
            @{ Name = $c.Name; Parameters = @($c.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object) }
        })
    if (-not $cmdlets) { throw "Help.Tests.ps1: $env:CAVRA_MODULE_MANIFEST exports no cmdlet; there is no help to test." }
}

BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) {
        throw 'Help.Tests.ps1: CAVRA_MODULE_MANIFEST must name the assembled module''s psd1 (build.ps1 -Task Test sets it).'
    }
    $script:Module = Import-Module $env:CAVRA_MODULE_MANIFEST -Force -PassThru -ErrorAction Stop
    $script:HelpFileName = 'Cavra.PowerShell.dll-Help.xml'
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command -Name $Name -Module $Module.Name -CommandType Cmdlet
        $help = Get-Help -Name $Name -Full -ErrorAction Stop
    }

    It 'is looked up in Cavra.PowerShell.dll-Help.xml, present in the module folder under en-US (exact casing)' {
        Split-Path -Leaf $command.HelpFile | Should -BeExactly $HelpFileName
        # Listing the folders, not Test-Path, so the check is case-exact on every file system.
        @(Get-ChildItem -LiteralPath $Module.ModuleBase -Directory).Name | Should -Contain 'en-US' -Because 'Get-Help on Linux does not find en-us'
        (Get-ChildItem -LiteralPath $Module.ModuleBase -Directory | Where-Object Name -CEQ 'en-US') | Should -Not -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath (Join-Path $Module.ModuleBase 'en-US') -File).Name -ccontains $HelpFileName | Should -BeTrue
    }

    It 'has a synopsis that is not the generated syntax line' {
        $synopsis = ([string] $help.Synopsis).Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help makes the synopsis from the syntax.
        $synopsis | Should -Not -Match '\[<CommonParameters>\]'
        $syntax = ((Get-Command -Name $Name -Syntax | Out-String) -replace '\s+', ' ').Trim()
        ($synopsis -replace '\s+', ' ') | Should -Not -Be $syntax
        $synopsis | Should -Not -BeExactly $Name
    }

    It 'has a description' {
        (@($help.description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($ex in $examples) {
            ([string] $ex.code).Trim() | Should -Not -BeNullOrEmpty -Because "example '$(([string] $ex.title).Trim('- '))' needs code"
        }
    }

    It 'shows one syntax block per parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    if ($Parameters) {
        It 'describes parameter -<_>' -ForEach $Parameters {
            $name = $_
            $p = @($help.parameters.parameter | Where-Object name -EQ $name)
            $p.Count | Should -Be 1 -Because "Get-Help $Name -Full should list -$name once"
            (@($p[0].description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'about_Cavra_GoPromotion' {
    BeforeAll {
        $text = Get-Help -Name about_Cavra_GoPromotion -ErrorAction Stop | Out-String
    }

    It 'is found by Get-Help and returns its text' {
        $text | Should -Match 'about_Cavra_GoPromotion'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
    }
}
