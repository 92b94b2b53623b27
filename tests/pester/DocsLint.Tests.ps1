# Lint of the platyPS (schema 2.0.0) help pages, and a drift test of their parameter yaml against the module.
# The lint needs only the markdown; the drift test needs the assembled module (CAVRA_MODULE_MANIFEST). The pages
# default to docs/en-US; CAVRA_DOCS_PATH points elsewhere (used to run these tests against a fixture module).
# The parsing here is deliberately independent of tools/Build-CavraHelp.ps1, so the two check each other.
# Pester 5 and 6: one BeforeAll per block; -ForEach data is never empty.

BeforeDiscovery {
    $docs = if ($env:CAVRA_DOCS_PATH) { $env:CAVRA_DOCS_PATH } else { Join-Path $PSScriptRoot '../../docs/en-US' }
    if (-not (Test-Path -LiteralPath $docs)) { throw "DocsLint.Tests.ps1: help pages folder '$docs' does not exist." }
    $files = @(Get-ChildItem -LiteralPath $docs -Filter *.md -File | Sort-Object Name)
    # platyPS's module page (front matter 'Module Guid') is for updatable help, not a cmdlet page.
    $cmdletPages = @($files | Where-Object { $_.BaseName -notlike 'about_*' -and -not (Select-String -LiteralPath $_.FullName -Pattern '^Module Guid:' -Quiet) } |
            ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
    $aboutPages = @($files | Where-Object { $_.BaseName -like 'about_*' } | ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
    if (-not $cmdletPages) { throw "DocsLint.Tests.ps1: no cmdlet pages in '$docs'." }
}

BeforeAll {
    $script:DocsPath = if ($env:CAVRA_DOCS_PATH) { $env:CAVRA_DOCS_PATH } else { Join-Path $PSScriptRoot '../../docs/en-US' }
    $script:Sections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters

    function Read-DocPage {
        <# Front matter, headings and the blocks under each heading, from Markdig (shipped with pwsh). #>
        param([string] $Path)
        $text = [System.IO.File]::ReadAllText($Path) -replace "`r`n", "`n"
        $front = @{}
        # pwsh's Markdig pipeline has no front-matter extension, so strip it before parsing.
        $fm = [regex]::Match($text, '\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\z)', 'Singleline')
        $body = $text
        if ($fm.Success) {
            foreach ($l in $fm.Groups[1].Value -split "`n") { if ($l -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $front[$Matches[1]] = $Matches[2] } }
            $body = $text.Substring($fm.Length)
        }
        $blocks = foreach ($b in [Markdig.Markdown]::Parse($body)) {
            # if/elseif: Markdig containers are lists, which switch would enumerate.
            if ($b -is [Markdig.Syntax.HeadingBlock]) {
                $t = (($b.Inline | ForEach-Object { $_.ToString() }) -join '').Trim()
                [pscustomobject]@{ Kind = 'Heading'; Level = $b.Level; Text = $t; Info = '' }
            }
            elseif ($b -is [Markdig.Syntax.FencedCodeBlock]) { [pscustomobject]@{ Kind = 'Code'; Level = 0; Text = $b.Lines.ToString(); Info = ([string] $b.Info).Trim() } }
            elseif ($b -is [Markdig.Syntax.HtmlBlock]) { } # comments for authors carry no help text
            elseif ($b -is [Markdig.Syntax.LeafBlock] -and $b.Inline) { [pscustomobject]@{ Kind = 'Text'; Level = 0; Text = (($b.Inline | ForEach-Object { $_.ToString() }) -join '').Trim(); Info = '' } }
            elseif ($b -is [Markdig.Syntax.ContainerBlock]) { [pscustomobject]@{ Kind = 'Text'; Level = 0; Text = 'list or quote'; Info = '' } }
        }
        return [pscustomobject]@{ Text = $text; FrontMatter = $front; Blocks = @($blocks) }
    }

    function Get-Under {
        <# Groups the blocks that follow each heading of one level, up to the next heading of that level or higher. #>
        param([object[]] $Blocks, [int] $Level, [string] $Title)
        $groups = [System.Collections.Generic.List[object]]::new()
        $current = $null
        foreach ($b in $Blocks) {
            if ($b.Kind -eq 'Heading' -and $b.Level -le $Level) {
                $current = if ($b.Level -eq $Level -and (-not $Title -or $b.Text -eq $Title)) { [pscustomobject]@{ Title = $b.Text; Blocks = [System.Collections.Generic.List[object]]::new() } } else { $null }
                if ($current) { $groups.Add($current) }
            }
            elseif ($current) { $current.Blocks.Add($b) }
        }
        return $groups.ToArray()
    }

    function Get-ParameterDocs {
        <# '### -Name' sections under '## PARAMETERS': description blocks and parsed yaml maps. #>
        param($Page)
        $params = Get-Under $Page.Blocks 2 'PARAMETERS' | Select-Object -First 1
        if (-not $params) { return @() }
        foreach ($p in Get-Under $params.Blocks 3) {
            if ($p.Title -eq 'CommonParameters') { continue }
            $yaml = @($p.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Info -eq 'yaml' } | ForEach-Object {
                    $map = @{}
                    foreach ($l in $_.Text -split "`n") { if ($l -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $map[$Matches[1]] = $Matches[2] } }
                    $map
                })
            [pscustomobject]@{
                Heading = $p.Title
                Name    = $p.Title -replace '^-', ''
                Prose   = @($p.Blocks | Where-Object { $_.Kind -eq 'Text' -and $_.Text })
                Yaml    = $yaml
            }
        }
    }

    function Get-TypeName {
        <# A readable full type name: System.String[], System.Collections.Generic.List[System.String]. #>
        param([type] $Type)
        if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
        $name = if ($Type.Namespace) { "$($Type.Namespace).$($Type.Name)" } else { $Type.Name }
        if ($Type.IsGenericType) { $name = ($name -replace '`\d+$', '') + '[' + (@($Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ }) -join ', ') + ']' }
        return $name
    }

    function Get-List {
        param([string] $Text)
        return @(($Text -split ',') | ForEach-Object Trim | Where-Object { $_ -and $_ -ne 'None' })
    }
}

Describe 'Help page <Name>.md' -ForEach $cmdletPages {
    BeforeAll {
        $page = Read-DocPage $Path
        $h2 = @($page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 2 } | ForEach-Object Text)
    }

    It 'declares schema 2.0.0 and Cavra.PowerShell.dll-Help.xml in its front matter' {
        $page.FrontMatter['schema'] | Should -Be '2.0.0'
        $page.FrontMatter['external help file'] | Should -BeExactly 'Cavra.PowerShell.dll-Help.xml'
    }

    It 'has exactly one H1, equal to the file name' {
        $h1 = @($page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
        $h1.Count | Should -Be 1
        $h1[0].Text | Should -BeExactly $Name
    }

    It 'has the schema 2.0.0 sections, in order' {
        ($h2 -join ' | ') | Should -BeExactly ($Sections -join ' | ')
    }

    It 'has a synopsis and a description' {
        foreach ($s in 'SYNOPSIS', 'DESCRIPTION') {
            $under = Get-Under $page.Blocks 2 $s | Select-Object -First 1
            @($under.Blocks | Where-Object { $_.Kind -eq 'Text' -and $_.Text }).Count | Should -BeGreaterThan 0 -Because "## $s needs text"
        }
    }

    It 'has at least two examples, each with a code fence' {
        $examples = @(Get-Under $page.Blocks 2 'EXAMPLES' | ForEach-Object { Get-Under $_.Blocks 3 })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($ex in $examples) {
            @($ex.Blocks | Where-Object Kind -EQ 'Code').Count | Should -BeGreaterThan 0 -Because "'### $($ex.Title)' needs a code fence"
        }
    }

    It 'gives every ### -Parameter a description and a yaml block' {
        $problems = foreach ($p in Get-ParameterDocs $page) {
            if ($p.Heading -notmatch '^-\w+$') { "'### $($p.Heading)' is not '### -Name'" }
            if (-not $p.Prose) { "-$($p.Name) has no description" }
            if (-not $p.Yaml) { "-$($p.Name) has no yaml block" }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'has no {{ }} placeholders' {
        $found = @([regex]::Matches($page.Text, '\{\{[^\r\n]*?\}\}') | ForEach-Object Value)
        $found | Should -BeNullOrEmpty
    }
}

if ($aboutPages) {
    Describe 'About page <Name>.md' -ForEach $aboutPages {
        BeforeAll { $page = Read-DocPage $Path }

        It 'has exactly one H1, equal to the file name' {
            $h1 = @($page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
            $h1.Count | Should -Be 1
            $h1[0].Text | Should -BeExactly $Name
        }

        It 'has SHORT DESCRIPTION and LONG DESCRIPTION, with text' {
            foreach ($s in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
                $under = Get-Under $page.Blocks 2 $s | Select-Object -First 1
                $under | Should -Not -BeNullOrEmpty -Because "## $s is required"
                @($under.Blocks | Where-Object { $_.Kind -ne 'Heading' -and $_.Text }).Count | Should -BeGreaterThan 0 -Because "## $s needs text"
            }
        }

        It 'has no {{ }} placeholders' {
            @([regex]::Matches($page.Text, '\{\{[^\r\n]*?\}\}') | ForEach-Object Value) | Should -BeNullOrEmpty
        }
    }
}

# PageNames rides on -ForEach because discovery-time variables do not exist when the tests run.
Describe 'Help pages match the module' -ForEach @(@{ PageNames = @($cmdletPages.Name) }) {
    BeforeAll {
        if (-not $env:CAVRA_MODULE_MANIFEST) {
            throw 'DocsLint.Tests.ps1: the drift tests need CAVRA_MODULE_MANIFEST, the assembled module''s psd1 (build.ps1 -Task Test sets it).'
        }
        $module = Import-Module $env:CAVRA_MODULE_MANIFEST -Force -PassThru -ErrorAction Stop
        $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
    }

    It 'has a page for every exported cmdlet' {
        $exported | Where-Object { $_ -notin $PageNames } | Should -BeNullOrEmpty -Because 'every exported cmdlet needs docs/en-US/<Verb-Noun>.md'
    }

    It 'has an exported cmdlet for every page' {
        $PageNames | Where-Object { $_ -notin $exported } | Should -BeNullOrEmpty -Because 'a page without a cmdlet documents nothing'
    }

    Context '<Name>' -ForEach $cmdletPages {
        BeforeAll {
            $command = $module.ExportedCmdlets[$Name]
            $docs = @(Get-ParameterDocs (Read-DocPage $Path))
        }

        It 'documents exactly the non-common parameters (names as in the code)' {
            if (-not $command) { Set-ItResult -Skipped -Because "no exported cmdlet '$Name' (reported above)"; return }
            $real = @($command.Parameters.Keys | Where-Object { $_ -notin $Common } | Sort-Object)
            $documented = @($docs.Name | Sort-Object)
            ($documented -join ', ') | Should -BeExactly ($real -join ', ')
        }

        It 'has yaml equal to Get-Command (sets, Required, Position, pipeline input, type, aliases, accepted values, wildcards)' {
            if (-not $command) { Set-ItResult -Skipped -Because "no exported cmdlet '$Name' (reported above)"; return }
            $allSets = @($command.ParameterSets.Name)
            # '(All)' in platyPS yaml means every parameter set of the cmdlet; a parameter missing from one is caught
            # below as 'yaml names set X, which the parameter is not in'.
            $problems = foreach ($doc in $docs) {
                $meta = $command.Parameters[$doc.Name]
                if (-not $meta -or $doc.Name -in $Common) { continue } # reported by the names test
                $where = "-$($doc.Name)"
                # Per parameter set: what the code declares.
                $perSet = @{}
                foreach ($s in $command.ParameterSets) {
                    $sp = $s.Parameters | Where-Object Name -EQ $doc.Name
                    if ($sp) { $perSet[$s.Name] = $sp }
                }
                $covered = @{}
                foreach ($y in $doc.Yaml) {
                    foreach ($key in 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters') {
                        if (-not $y.ContainsKey($key)) { "${where}: yaml has no '$key'" }
                    }
                    $sets = @(if ($y['Parameter Sets'] -eq '(All)') { $allSets } else { Get-List $y['Parameter Sets'] })
                    foreach ($set in $sets) {
                        $sp = $perSet[$set]
                        if (-not $sp) { "${where}: yaml names set '$set', which the parameter is not in (its sets: $(@($perSet.Keys | Sort-Object) -join ', '))"; continue }
                        if ($covered.ContainsKey($set)) { "${where}: set '$set' is described by two yaml blocks" }
                        $covered[$set] = $true
                        $required = if ($sp.IsMandatory) { 'True' } else { 'False' }
                        if ($y['Required'] -ne $required) { "${where} in ${set}: Required is '$($y['Required'])', the code says $required" }
                        $position = if ($sp.Position -ge 0) { [string] $sp.Position } else { 'Named' }
                        if ($y['Position'] -ne $position) { "${where} in ${set}: Position is '$($y['Position'])', the code says $position (0-based, or Named)" }
                        $kinds = @(if ($sp.ValueFromPipeline) { 'ByValue' }; if ($sp.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
                        $pipeline = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
                        $docPipeline = [string] $y['Accept pipeline input']
                        if ($docPipeline -match '^True \((.*)\)$') { $docPipeline = "True ($((Get-List $Matches[1] | Sort-Object -Descending { $_ -eq 'ByValue' }) -join ', '))" }
                        if ($docPipeline -ne $pipeline) { "${where} in ${set}: Accept pipeline input is '$($y['Accept pipeline input'])', the code says $pipeline" }
                    }
                    $typeNames = @((Get-TypeName $meta.ParameterType), $meta.ParameterType.FullName)
                    if ($y['Type'] -cnotin $typeNames) { "${where}: Type is '$($y['Type'])', the code says $($typeNames[0])" }
                    $aliases = @($meta.Aliases | Sort-Object)
                    if ((@(Get-List $y['Aliases'] | Sort-Object) -join ', ') -cne ($aliases -join ', ')) { "${where}: Aliases are '$($y['Aliases'])', the code says '$($aliases -join ', ')'" }
                    $accepted = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object ValidValues)
                    $t = $meta.ParameterType; if ($t.IsArray) { $t = $t.GetElementType() }; if ([Nullable]::GetUnderlyingType($t)) { $t = [Nullable]::GetUnderlyingType($t) }
                    if (-not $accepted -and $t.IsEnum) { $accepted = [Enum]::GetNames($t) }
                    $docAccepted = if ($y.ContainsKey('Accepted values')) { @(Get-List $y['Accepted values']) } else { @() }
                    if ((@($docAccepted | Sort-Object) -join ', ') -cne (@($accepted | Sort-Object) -join ', ')) { "${where}: Accepted values are '$($docAccepted -join ', ')', the code says '$($accepted -join ', ')'" }
                    $wildcards = if (@($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count) { 'True' } else { 'False' }
                    if ($y['Accept wildcard characters'] -ne $wildcards) { "${where}: Accept wildcard characters is '$($y['Accept wildcard characters'])', the code says $wildcards" }
                }
                foreach ($set in $perSet.Keys) {
                    if (-not $covered.ContainsKey($set)) { "${where}: no yaml block covers parameter set '$set'" }
                }
            }
            $problems | Should -BeNullOrEmpty
        }
    }
}
