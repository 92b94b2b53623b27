<#
.SYNOPSIS
    Compiles platyPS-format (schema 2.0.0) markdown help into MAML and about_*.help.txt files, without platyPS.
.DESCRIPTION
    platyPS cannot be installed here (the PowerShell Gallery is unreachable), so this does what its
    New-ExternalHelp did, for the parts this module uses:

      - imports the assembled module and, for every exported cmdlet, reads docs/en-US/<Verb-Noun>.md;
      - writes one command:command per cmdlet into <OutputPath>/<cmdlet assembly file name>-Help.xml
        (Get-Help finds MAML only under that exact name, in <ModuleBase>/en-US);
      - converts every about_*.md into <OutputPath>/about_*.help.txt.

    Syntax and per-parameter metadata (required, position, pipeline input, wildcards, aliases, accepted values,
    type) come from Get-Command, never from the markdown, so the shipped help cannot drift from the code. Prose,
    examples, default values, inputs, outputs, notes and links come from the markdown.

    Every problem found in every page is collected and reported together as one terminating error naming each
    file and line; nothing is written unless all pages compile.
.PARAMETER ModuleManifest
    The assembled module's psd1 (the help describes what that module exports).
.PARAMETER DocsPath
    The folder of markdown pages, e.g. docs/en-US.
.PARAMETER OutputPath
    Where the MAML and about files go, e.g. out/Cavra.PowerShell/en-US (the casing matters on Linux).
.EXAMPLE
    dotnet pwsh -NoProfile -File tools/Build-CavraHelp.ps1 -ModuleManifest out/Cavra.PowerShell/Cavra.PowerShell.psd1 -DocsPath docs/en-US -OutputPath out/Cavra.PowerShell/en-US
.NOTES
    Imports the binary module into the current process; run it in a child pwsh (build.ps1 does) because a
    binary module cannot be unloaded.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

# Schema 2.0.0's sections, in platyPS's order. All must be present; SYNTAX's text is ignored (see .DESCRIPTION).
$CmdletSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$CommonParameterNames = [System.Management.Automation.PSCmdlet]::CommonParameters
$PlaceholderPattern = '\{\{[^\r\n]*?\}\}'

# ---------------------------------------------------------------------------------------------------------------
# Problems: collected, not thrown one at a time, so one build run shows an author everything to fix.

$Problems = [System.Collections.Generic.List[string]]::new()

function Add-Problem {
    param([string] $File, [int] $Line, [string] $Message)
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    $Problems.Add("${where}: $Message")
}

function Get-DisplayPath {
    <# Relative to the current directory when inside it (short messages in the build log), else absolute. #>
    param([string] $Path)
    $here = (Get-Location).ProviderPath.TrimEnd([System.IO.Path]::DirectorySeparatorChar) + [System.IO.Path]::DirectorySeparatorChar
    if ($Path.StartsWith($here, [System.StringComparison]::Ordinal)) { return $Path.Substring($here.Length) }
    return $Path
}

# ---------------------------------------------------------------------------------------------------------------
# Markdown: Markdig (shipped with pwsh) parses; we flatten its top-level blocks into simple records.

function ConvertTo-PlainText {
    <# Renders inline markdown as the plain text Get-Help prints: emphasis and code marks dropped, links as their text. #>
    # if/elseif, not switch: switch would enumerate a container inline's children instead of testing the node.
    param($Inline)
    if ($null -eq $Inline) { return '' }
    $sb = [System.Text.StringBuilder]::new()
    foreach ($node in $Inline) {
        if ($node -is [Markdig.Syntax.Inlines.LiteralInline]) { [void] $sb.Append($node.Content.ToString()) }
        elseif ($node -is [Markdig.Syntax.Inlines.CodeInline]) { [void] $sb.Append($node.Content) }
        elseif ($node -is [Markdig.Syntax.Inlines.LineBreakInline]) { [void] $sb.Append($(if ($node.IsHard) { "`n" } else { ' ' })) }
        elseif ($node -is [Markdig.Syntax.Inlines.AutolinkInline]) { [void] $sb.Append($node.Url) }
        elseif ($node -is [Markdig.Syntax.Inlines.HtmlEntityInline]) { [void] $sb.Append($node.Transcoded.ToString()) }
        elseif ($node -is [Markdig.Syntax.Inlines.HtmlInline]) { [void] $sb.Append($node.Tag) }
        elseif ($node -is [Markdig.Syntax.Inlines.ContainerInline]) { [void] $sb.Append((ConvertTo-PlainText $node)) }
        else { [void] $sb.Append($node.ToString()) }
    }
    return $sb.ToString()
}

function Get-InlineLinks {
    <# The [text](url) links inside an inline tree, for RELATED LINKS. #>
    param($Inline)
    if ($null -eq $Inline) { return }
    foreach ($node in $Inline) {
        if ($node -is [Markdig.Syntax.Inlines.LinkInline] -and -not $node.IsImage) {
            [pscustomobject]@{ Text = (ConvertTo-PlainText $node).Trim(); Url = [string] $node.Url }
        }
        elseif ($node -is [Markdig.Syntax.Inlines.AutolinkInline]) {
            [pscustomobject]@{ Text = $node.Url; Url = $node.Url }
        }
        elseif ($node -is [Markdig.Syntax.Inlines.ContainerInline]) { Get-InlineLinks $node }
    }
}

function ConvertTo-FlatBlock {
    <# One simple record per markdown block: Heading, Paragraph, Code or List; Line is 1-based in the file. #>
    # if/elseif, not switch: Markdig container blocks are lists, and switch would iterate their children.
    param($Block, [int] $LineOffset)
    $line = $Block.Line + 1 + $LineOffset
    if ($Block -is [Markdig.Syntax.HeadingBlock]) {
        return [pscustomobject]@{ Kind = 'Heading'; Level = $Block.Level; Text = (ConvertTo-PlainText $Block.Inline).Trim(); Line = $line; Links = @() }
    }
    if ($Block -is [Markdig.Syntax.CodeBlock]) {
        $info = if ($Block -is [Markdig.Syntax.FencedCodeBlock]) { [string] $Block.Info } else { '' }
        return [pscustomobject]@{ Kind = 'Code'; Info = $info.Trim(); Text = $Block.Lines.ToString().TrimEnd(); Line = $line; Links = @() }
    }
    if ($Block -is [Markdig.Syntax.HtmlBlock]) {
        # HTML comments are notes to authors; other raw HTML is kept as text.
        $text = $Block.Lines.ToString().Trim()
        if ($text.StartsWith('<!--')) { return $null }
        return [pscustomobject]@{ Kind = 'Paragraph'; Text = $text; Line = $line; Links = @() }
    }
    if ($Block -is [Markdig.Syntax.ParagraphBlock]) {
        return [pscustomobject]@{ Kind = 'Paragraph'; Text = (ConvertTo-PlainText $Block.Inline).Trim(); Line = $line; Links = @(Get-InlineLinks $Block.Inline) }
    }
    if ($Block -is [Markdig.Syntax.ListBlock]) {
        $items = [System.Collections.Generic.List[string]]::new()
        $links = [System.Collections.Generic.List[object]]::new()
        $n = [int] 1
        if ($Block.IsOrdered -and $Block.OrderedStart) { [void] [int]::TryParse([string] $Block.OrderedStart, [ref] $n) }
        foreach ($item in $Block) {
            $parts = foreach ($child in $item) {
                $flat = ConvertTo-FlatBlock $child $LineOffset
                if ($flat) { foreach ($l in $flat.Links) { $links.Add($l) }; $flat.Text }
            }
            $marker = if ($Block.IsOrdered) { "$n." } else { '-' }
            $items.Add("$marker $(@($parts | Where-Object { $_ }) -join "`n")")
            $n++
        }
        return [pscustomobject]@{ Kind = 'List'; Items = $items.ToArray(); Text = ($items -join "`n"); Line = $line; Links = $links.ToArray() }
    }
    if ($Block -is [Markdig.Syntax.QuoteBlock]) {
        $parts = foreach ($child in $Block) { $flat = ConvertTo-FlatBlock $child $LineOffset; if ($flat) { $flat.Text } }
        return [pscustomobject]@{ Kind = 'Paragraph'; Text = ($parts -join "`n"); Line = $line; Links = @() }
    }
    return $null # thematic breaks, link reference definitions: nothing to show
}

function Read-MarkdownPage {
    <# Front matter (as an ordered dictionary) and the flat block list of one page. #>
    param([string] $Path, [string] $DisplayName)
    $text = [System.IO.File]::ReadAllText($Path) -replace "`r`n", "`n"
    foreach ($m in [regex]::Matches($text, $PlaceholderPattern)) {
        $line = ($text.Substring(0, $m.Index) -split "`n").Count
        Add-Problem $DisplayName $line "unfilled placeholder '$($m.Value)'"
    }
    # pwsh's Markdig pipeline has no front-matter extension (it would read it as a rule plus a setext heading).
    $front = [ordered]@{}
    $offset = 0
    $fm = [regex]::Match($text, '\A\uFEFF?---[ \t]*\n(.*?)\n---[ \t]*(\n|\z)', 'Singleline')
    if ($fm.Success) {
        foreach ($l in $fm.Groups[1].Value -split "`n") {
            if ($l -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $front[$Matches[1]] = $Matches[2] }
        }
        # Line numbers stay true to the file: the parsed text starts on the line after the closing '---'.
        $offset = $fm.Value.Split("`n").Count - 1
        $text = $text.Substring($fm.Length)
    }
    $doc = [Markdig.Markdown]::Parse($text)
    $blocks = foreach ($b in $doc) { ConvertTo-FlatBlock $b $offset }
    return [pscustomobject]@{ Path = $Path; Name = $DisplayName; FrontMatter = $front; Blocks = @($blocks | Where-Object { $_ }) }
}

function Split-ByHeading {
    <# Groups blocks under each heading of the given level; blocks before the first such heading go to Preamble. #>
    param([object[]] $Blocks, [int] $Level)
    $preamble = [System.Collections.Generic.List[object]]::new()
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($b in $Blocks) {
        if ($b.Kind -eq 'Heading' -and $b.Level -eq $Level) {
            $current = [pscustomobject]@{ Title = $b.Text; Line = $b.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $sections.Add($current)
        }
        elseif ($current) { $current.Blocks.Add($b) }
        else { $preamble.Add($b) }
    }
    return [pscustomobject]@{ Preamble = $preamble.ToArray(); Sections = $sections.ToArray() }
}

function Get-Paragraphs {
    <# Prose blocks as MAML paragraphs: one per paragraph, one per list item, one per code block. #>
    param([object[]] $Blocks)
    foreach ($b in $Blocks) {
        switch ($b.Kind) {
            'List' { $b.Items }
            'Heading' { $b.Text }
            default { if ($b.Text) { $b.Text } }
        }
    }
}

function Read-Yaml {
    <# The flat 'Key: value' yaml platyPS writes for a parameter (no nesting, no lists). #>
    param([string] $Text)
    $map = [ordered]@{}
    foreach ($l in $Text -split "`n") {
        if ($l -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $map[$Matches[1]] = $Matches[2] }
    }
    return $map
}

# ---------------------------------------------------------------------------------------------------------------
# Cmdlet pages: markdown -> a model; structural problems are recorded against the file and line.

function Read-CmdletPage {
    param($Page)
    $file = $Page.Name
    $h1s = @($Page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
    $expected = [System.IO.Path]::GetFileNameWithoutExtension($Page.Path)
    if ($h1s.Count -ne 1) { Add-Problem $file 0 "expected exactly one '# $expected' heading, found $($h1s.Count)" }
    elseif ($h1s[0].Text -cne $expected) { Add-Problem $file $h1s[0].Line "the H1 '$($h1s[0].Text)' must equal the file name '$expected'" }

    $body = @($Page.Blocks | Where-Object { -not ($_.Kind -eq 'Heading' -and $_.Level -eq 1) })
    $split = Split-ByHeading $body 2
    foreach ($b in $split.Preamble) { Add-Problem $file $b.Line "content before the first '##' section" }

    $byName = @{}
    $order = [System.Collections.Generic.List[string]]::new()
    foreach ($s in $split.Sections) {
        if ($s.Title -notin $CmdletSections) { Add-Problem $file $s.Line "unknown section '## $($s.Title)' (schema 2.0.0 has: $($CmdletSections -join ', '))"; continue }
        if ($byName.ContainsKey($s.Title)) { Add-Problem $file $s.Line "duplicate section '## $($s.Title)'"; continue }
        $byName[$s.Title] = $s
        $order.Add($s.Title)
    }
    foreach ($name in $CmdletSections) { if (-not $byName.ContainsKey($name)) { Add-Problem $file 0 "missing required section '## $name'" } }
    $present = @($CmdletSections | Where-Object { $byName.ContainsKey($_) })
    if (($order -join '|') -cne ($present -join '|')) { Add-Problem $file 0 "sections out of order: found $($order -join ', '); expected $($present -join ', ')" }

    $model = [pscustomobject]@{
        Name = $expected; File = $file; FrontMatter = $Page.FrontMatter
        Synopsis = @(); Description = @(); Examples = @(); Parameters = [ordered]@{}
        Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }

    if ($byName['SYNOPSIS']) {
        $model.Synopsis = @(Get-Paragraphs $byName['SYNOPSIS'].Blocks)
        if (-not $model.Synopsis) { Add-Problem $file $byName['SYNOPSIS'].Line 'SYNOPSIS is empty' }
    }
    if ($byName['DESCRIPTION']) {
        $model.Description = @(Get-Paragraphs $byName['DESCRIPTION'].Blocks)
        if (-not $model.Description) { Add-Problem $file $byName['DESCRIPTION'].Line 'DESCRIPTION is empty' }
    }
    if ($byName['EXAMPLES']) { $model.Examples = @(Read-Examples $file $byName['EXAMPLES']) }
    if ($byName['PARAMETERS']) { $model.Parameters = Read-ParameterSections $file $byName['PARAMETERS'] }
    if ($byName['INPUTS']) { $model.Inputs = @(Read-TypeList $file $byName['INPUTS']) }
    if ($byName['OUTPUTS']) { $model.Outputs = @(Read-TypeList $file $byName['OUTPUTS']) }
    if ($byName['NOTES']) { $model.Notes = @(Get-Paragraphs $byName['NOTES'].Blocks) }
    if ($byName['RELATED LINKS']) {
        $model.Links = @(foreach ($b in $byName['RELATED LINKS'].Blocks) {
                if ($b.Links.Count) { $b.Links }
                elseif ($b.Kind -eq 'List') { foreach ($i in $b.Items) { [pscustomobject]@{ Text = ($i -replace '^(-|\d+\.)\s*', ''); Url = '' } } }
                elseif ($b.Text) { [pscustomobject]@{ Text = $b.Text; Url = '' } }
            })
    }
    return $model
}

function Read-Examples {
    <# '### Example N: title', then intro text, code fence(s) and remarks; every fence's text goes into dev:code. #>
    param([string] $File, $Section)
    $split = Split-ByHeading $Section.Blocks 3
    foreach ($b in $split.Preamble) { Add-Problem $File $b.Line "content under '## EXAMPLES' outside an '### Example' heading" }
    if (-not $split.Sections) { Add-Problem $File $Section.Line 'EXAMPLES has no ### example' }
    foreach ($ex in $split.Sections) {
        $code = @($ex.Blocks | Where-Object Kind -eq 'Code')
        if (-not $code) { Add-Problem $File $ex.Line "example '$($ex.Title)' has no code fence"; continue }
        $firstCode = [array]::IndexOf(@($ex.Blocks), $code[0])
        $intro = @(Get-Paragraphs @($ex.Blocks | Select-Object -First $firstCode))
        $remarks = @(Get-Paragraphs @($ex.Blocks | Select-Object -Skip $firstCode | Where-Object Kind -ne 'Code'))
        [pscustomobject]@{ Title = $ex.Title; Introduction = $intro; Code = (($code | ForEach-Object Text) -join "`n`n"); Remarks = $remarks }
    }
}

function Read-ParameterSections {
    <# '### -Name', its description, and one or more yaml blocks (one per parameter-set variant). #>
    param([string] $File, $Section)
    $result = [ordered]@{}
    $split = Split-ByHeading $Section.Blocks 3
    foreach ($b in $split.Preamble) { Add-Problem $File $b.Line "content under '## PARAMETERS' outside a '### -Name' heading" }
    foreach ($p in $split.Sections) {
        if ($p.Title -eq 'CommonParameters') { continue }
        if ($p.Title -notmatch '^-(\w+)$') { Add-Problem $File $p.Line "parameter heading '### $($p.Title)' must be '### -Name' or '### CommonParameters'"; continue }
        $name = $Matches[1]
        if ($result.Contains($name)) { Add-Problem $File $p.Line "duplicate parameter section '### -$name'"; continue }
        $yaml = @($p.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Info -eq 'yaml' })
        $prose = @(Get-Paragraphs @($p.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Info -eq 'yaml') }))
        if (-not $prose) { Add-Problem $File $p.Line "parameter -$name has no description" }
        if (-not $yaml) { Add-Problem $File $p.Line "parameter -$name has no yaml metadata block" }
        $result[$name] = [pscustomobject]@{ Name = $name; Line = $p.Line; Description = $prose; Yaml = @($yaml | ForEach-Object { Read-Yaml $_.Text }) }
    }
    return $result
}

function Read-TypeList {
    <# INPUTS/OUTPUTS: '### Type.Name' then optional description paragraphs. #>
    param([string] $File, $Section)
    $split = Split-ByHeading $Section.Blocks 3
    foreach ($b in $split.Preamble) { Add-Problem $File $b.Line "content under '## $($Section.Title)' outside a '### Type' heading" }
    if (-not $split.Sections) { Add-Problem $File $Section.Line "$($Section.Title) lists no type (use '### None' when there is none)" }
    foreach ($t in $split.Sections) { [pscustomobject]@{ Type = $t.Title; Description = @(Get-Paragraphs $t.Blocks) } }
}

# ---------------------------------------------------------------------------------------------------------------
# Metadata from the loaded cmdlet: the single source for syntax and parameter attributes.

function Get-TypeDisplayName {
    <# .NET type names as help shows them: String[], List[String]; -Full keeps namespaces for dev:type. #>
    param([type] $Type, [switch] $Full)
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType() -Full:$Full) + '[]' }
    $name = if ($Full -and $Type.Namespace) { "$($Type.Namespace).$($Type.Name)" } else { $Type.Name }
    if ($Type.IsGenericType) {
        $typeArgs = @($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ -Full:$Full })
        $name = ($name -replace '`\d+$', '') + '[' + ($typeArgs -join ', ') + ']'
    }
    return $name
}

function Get-AcceptedValues {
    <# ValidateSet values, else the names of an enum (or enum[] / Nullable[enum]) type. #>
    param($Parameter)
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return @($set.ValidValues) }
    $t = $Parameter.ParameterType
    if ($t.IsArray) { $t = $t.GetElementType() }
    $u = [Nullable]::GetUnderlyingType($t)
    if ($u) { $t = $u }
    if ($t.IsEnum) { return @([Enum]::GetNames($t)) }
    return @()
}

function Get-PipelineText {
    param([bool] $ByValue, [bool] $ByPropertyName)
    $kinds = @(if ($ByValue) { 'ByValue' }; if ($ByPropertyName) { 'ByPropertyName' })
    if ($kinds) { return "true ($($kinds -join ', '))" } else { return 'false' }
}

function Get-ParameterSetsInOrder {
    <# The default set first, then the rest as declared: Get-Help shows syntax blocks in this order. #>
    param($Command)
    @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
}

function Get-SyntaxOrder {
    <# Parameter order of Get-Command -Syntax: positional by position, then mandatory, then the rest. #>
    param($ParameterSet)
    $ps = @($ParameterSet.Parameters | Where-Object { $_.Name -notin $CommonParameterNames })
    $positional = @($ps | Where-Object { $_.Position -ge 0 } | Sort-Object Position)
    $named = @($ps | Where-Object { $_.Position -lt 0 })
    return @($positional) + @($named | Where-Object IsMandatory) + @($named | Where-Object { -not $_.IsMandatory })
}

function Get-CommandParameterFacts {
    <# Per non-common parameter: its metadata, with the per-set values folded into help's attribute text. #>
    param($Command)
    $facts = [ordered]@{}
    $sets = @(Get-ParameterSetsInOrder $Command)
    foreach ($p in $Command.Parameters.Values) {
        if ($p.Name -in $CommonParameterNames) { continue }
        $inSets = @(foreach ($s in $sets) { foreach ($sp in $s.Parameters) { if ($sp.Name -eq $p.Name) { [pscustomobject]@{ Set = $s.Name; P = $sp } } } })
        # One value when every set agrees; otherwise 'value (Set), value (Set)' so the text is still true per set
        # (Get-Help prints position as text).
        $fold = {
            param([scriptblock] $Value)
            $values = @($inSets | ForEach-Object { [pscustomobject]@{ Set = $_.Set; V = (& $Value $_.P) } })
            if (@($values.V | Select-Object -Unique).Count -le 1) { return [string] $values[0].V }
            return (@($values | ForEach-Object { "$($_.V) ($($_.Set))" }) -join ', ')
        }
        $byValue = [bool] @($inSets | Where-Object { $_.P.ValueFromPipeline }).Count
        $byName = [bool] @($inSets | Where-Object { $_.P.ValueFromPipelineByPropertyName }).Count
        $facts[$p.Name] = [pscustomobject]@{
            Name           = $p.Name
            Type           = $p.ParameterType
            IsSwitch       = $p.SwitchParameter
            # Get-Help parses 'required' as a boolean (anything else shows blank), so it cannot be per set: it is
            # true only when the parameter is mandatory in every set; the syntax blocks show each set exactly.
            Required       = $(if (@($inSets | Where-Object { -not $_.P.IsMandatory }).Count) { 'false' } else { 'true' })
            Position       = (& $fold { param($x) if ($x.Position -ge 0) { [string] $x.Position } else { 'named' } })
            PipelineInput  = (Get-PipelineText $byValue $byName)
            Globbing       = [bool] @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
            Aliases        = @($p.Aliases)
            AcceptedValues = @(Get-AcceptedValues $p)
        }
    }
    return $facts
}

# ---------------------------------------------------------------------------------------------------------------
# MAML writing (XmlWriter does the escaping).

function Write-Paras {
    param([System.Xml.XmlWriter] $W, [string[]] $Paras)
    foreach ($para in $Paras) { $W.WriteElementString('maml', 'para', $NsMaml, $para) }
}

function Write-Description {
    param([System.Xml.XmlWriter] $W, [string[]] $Paras)
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $W $Paras
    $W.WriteEndElement()
}

function Write-ParameterElement {
    <# One command:parameter; $SetParameter (a CommandParameterInfo) gives per-set attributes inside syntax items. #>
    param([System.Xml.XmlWriter] $W, $Fact, $Doc, $SetParameter, [switch] $InSyntax)
    $required = $Fact.Required; $position = $Fact.Position; $pipeline = $Fact.PipelineInput
    if ($SetParameter) {
        $required = if ($SetParameter.IsMandatory) { 'true' } else { 'false' }
        $position = if ($SetParameter.Position -ge 0) { [string] $SetParameter.Position } else { 'named' }
        $pipeline = Get-PipelineText $SetParameter.ValueFromPipeline $SetParameter.ValueFromPipelineByPropertyName
    }
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $required)
    $W.WriteAttributeString('variableLength', $(if ($Fact.Type.IsArray) { 'true' } else { 'false' }))
    $W.WriteAttributeString('globbing', $(if ($Fact.Globbing) { 'true' } else { 'false' }))
    $W.WriteAttributeString('pipelineInput', $pipeline)
    $W.WriteAttributeString('position', $position)
    $W.WriteAttributeString('aliases', $(if ($Fact.Aliases) { $Fact.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $NsMaml, $Fact.Name)
    Write-Description $W $Doc.Description
    if ($Fact.AcceptedValues) {
        $W.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($v in $Fact.AcceptedValues) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('variableLength', 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    # A switch takes no value: in syntax that is what makes Get-Help print '[-Name]' rather than '[-Name <T>]'.
    if (-not ($InSyntax -and $Fact.IsSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', $(if ($Fact.IsSwitch) { 'false' } else { 'true' }))
        $W.WriteAttributeString('variableLength', $(if ($Fact.Type.IsArray) { 'true' } else { 'false' }))
        $W.WriteString((Get-TypeDisplayName $Fact.Type))
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, (Get-TypeDisplayName $Fact.Type -Full))
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $NsDev, $Doc.DefaultValue)
    $W.WriteEndElement()
}

function Format-ExampleTitle {
    <# platyPS's look: the title centred in dashes, which is how Get-Help separates examples. #>
    param([string] $Title)
    $dashes = [Math]::Max(3, [int] [Math]::Floor((64 - $Title.Length - 2) / 2))
    $bar = '-' * $dashes
    return "$bar $Title $bar"
}

function Write-Command {
    param([System.Xml.XmlWriter] $W, $Command, $Model, $Facts)
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Command.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $Command.Verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $Command.Noun)
    Write-Description $W $Model.Synopsis
    $W.WriteEndElement()

    Write-Description $W $Model.Description

    $W.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($set in Get-ParameterSetsInOrder $Command) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Command.Name)
        foreach ($sp in Get-SyntaxOrder $set) {
            Write-ParameterElement $W $Facts[$sp.Name] $Model.Parameters[$sp.Name] $sp -InSyntax
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($doc in $Model.Parameters.Values) { Write-ParameterElement $W $Facts[$doc.Name] $doc $null }
    $W.WriteEndElement()

    foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; From = $Model.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; From = $Model.Outputs })) {
        $W.WriteStartElement('command', $kind.List, $NsCommand)
        foreach ($t in $kind.From) {
            $W.WriteStartElement('command', $kind.Item, $NsCommand)
            $W.WriteStartElement('dev', 'type', $NsDev)
            $W.WriteElementString('maml', 'name', $NsMaml, $t.Type)
            $W.WriteEndElement()
            Write-Description $W $t.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paras $W $Model.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($ex in $Model.Examples) {
        $W.WriteStartElement('command', 'example', $NsCommand)
        $W.WriteElementString('maml', 'title', $NsMaml, (Format-ExampleTitle $ex.Title))
        # Get-Help prints the introduction immediately before the code, on the same line (it is meant for a
        # prompt such as 'PS C:\>'), so intro prose is written as leading lines of the code block instead.
        $code = if ($ex.Introduction) { ($ex.Introduction -join "`n`n") + "`n`n" + $ex.Code } else { $ex.Code }
        $W.WriteElementString('dev', 'code', $NsDev, $code)
        # The trailing empty paragraph separates this example from the next title; without any paragraph Get-Help
        # also indents the next title by one space.
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        Write-Paras $W (@($ex.Remarks) + '')
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    $links = @()
    $online = if ($Model.FrontMatter.Contains('online version')) { $Model.FrontMatter['online version'] } else { '' }
    if ($online) { $links += [pscustomobject]@{ Text = 'Online Version:'; Url = $online } }
    $links += $Model.Links
    foreach ($l in $links) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $l.Text)
        # Only absolute links are useful outside the docs site; a relative 'Other-Cmdlet.md' would be noise.
        $W.WriteElementString('maml', 'uri', $NsMaml, $(if ($l.Url -match '^[a-z][a-z0-9+.-]*://') { $l.Url } else { '' }))
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

# ---------------------------------------------------------------------------------------------------------------
# about_* pages -> plain text in the layout of PowerShell's own about topics.

function Format-Wrapped {
    <# Word-wraps one paragraph to 80 columns with the given first-line and continuation indents. #>
    param([string] $Text, [int] $Indent, [int] $Hanging = $Indent, [int] $Width = 80)
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($hard in $Text -split "`n") {
        $line = ' ' * $Indent
        $empty = $true
        foreach ($word in ($hard -split '\s+' | Where-Object { $_ })) {
            if (-not $empty -and ($line.Length + 1 + $word.Length) -gt $Width) {
                $lines.Add($line); $line = (' ' * $Hanging) + $word
            }
            else { $line += $(if ($empty) { $word } else { " $word" }) }
            $empty = $false
        }
        $lines.Add($line)
        $Indent = $Hanging
    }
    return $lines -join "`n"
}

function ConvertTo-AboutText {
    param($Page)
    $file = $Page.Name
    $expected = [System.IO.Path]::GetFileNameWithoutExtension($Page.Path)
    $h1s = @($Page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
    if ($h1s.Count -ne 1 -or $h1s[0].Text -cne $expected) { Add-Problem $file 0 "expected exactly one H1 '# $expected'" }
    $titles = @($Page.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 2 } | ForEach-Object Text)
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        # Get-Help's about-topic list takes its synopsis from the line after SHORT DESCRIPTION.
        if ($required -notin $titles) { Add-Problem $file 0 "missing required section '## $required'" }
    }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $expected"); $out.Add('')
    foreach ($b in $Page.Blocks) {
        switch ($b.Kind) {
            'Heading' {
                if ($b.Level -eq 2) { $out.Add($b.Text.ToUpperInvariant()) }
                elseif ($b.Level -gt 2) { $out.Add("    $($b.Text)"); $out.Add('    ' + ('-' * $b.Text.Length)) }
            }
            'Code' { foreach ($l in $b.Text -split "`n") { $out.Add(('        ' + $l).TrimEnd()) }; $out.Add('') }
            'List' {
                foreach ($i in $b.Items) {
                    $marker = ($i -split ' ', 2)[0]
                    $out.Add((Format-Wrapped $i 4 (5 + $marker.Length)))
                }
                $out.Add('')
            }
            default { $out.Add((Format-Wrapped $b.Text 4)); $out.Add('') }
        }
    }
    return (($out -join "`n").TrimEnd() + "`n")
}

# ---------------------------------------------------------------------------------------------------------------
# Main

foreach ($p in @{ ModuleManifest = $ModuleManifest; DocsPath = $DocsPath }.GetEnumerator()) {
    if (-not (Test-Path -LiteralPath $p.Value)) { throw "Build-CavraHelp: -$($p.Key) '$($p.Value)' does not exist." }
}
$DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)

$module = Import-Module -Name (Resolve-Path -LiteralPath $ModuleManifest).ProviderPath -Force -PassThru -ErrorAction Stop
$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
if (-not $commands) { throw "Build-CavraHelp: module '$ModuleManifest' exports no cmdlet; nothing to document (is the build output incomplete?)." }

$pages = @(Get-ChildItem -LiteralPath $DocsPath -Filter *.md -File | Sort-Object Name)
$cmdletPages = @{}
$aboutPages = [System.Collections.Generic.List[object]]::new()
foreach ($f in $pages) {
    $display = Get-DisplayPath $f.FullName
    $page = Read-MarkdownPage $f.FullName $display
    if ($f.BaseName -like 'about_*') { $aboutPages.Add($page); continue }
    if ($page.FrontMatter.Contains('Module Guid')) { continue } # platyPS's module page: for updatable help only
    $cmdletPages[$f.BaseName] = $page
}

$compiled = [System.Collections.Generic.List[object]]::new()
foreach ($cmd in $commands) {
    $page = $cmdletPages[$cmd.Name]
    if (-not $page) { Add-Problem (Get-DisplayPath (Join-Path $DocsPath "$($cmd.Name).md")) 0 "exported cmdlet $($cmd.Name) has no help page"; continue }
    $model = Read-CmdletPage $page
    $facts = Get-CommandParameterFacts $cmd
    $helpFile = [System.IO.Path]::GetFileName($cmd.DLL) + '-Help.xml'
    $declared = if ($page.FrontMatter.Contains('external help file')) { $page.FrontMatter['external help file'] } else { '' }
    if ($declared -and $declared -cne $helpFile) { Add-Problem $page.Name 0 "front matter says 'external help file: $declared' but $($cmd.Name) is defined in $([System.IO.Path]::GetFileName($cmd.DLL)), so its help must be $helpFile" }

    foreach ($doc in $model.Parameters.Values) {
        $real = $facts.Keys | Where-Object { $_ -eq $doc.Name } | Select-Object -First 1
        if (-not $real) {
            $why = if ($doc.Name -in $CommonParameterNames) { 'is a common parameter (covered by ### CommonParameters)' } else { "is not a parameter of $($cmd.Name)" }
            Add-Problem $page.Name $doc.Line "-$($doc.Name) $why"
            continue
        }
        $default = @($doc.Yaml | ForEach-Object { if ($_.Contains('Default value')) { $_['Default value'] } } | Where-Object { $_ }) | Select-Object -First 1
        $doc | Add-Member -NotePropertyName DefaultValue -NotePropertyValue $(if ($default) { [string] $default } else { 'None' })
    }
    foreach ($name in $facts.Keys) {
        if (-not $model.Parameters.Contains($name)) { Add-Problem $page.Name 0 "parameter -$name of $($cmd.Name) has no '### -$name' section" }
    }
    # Use the code's spelling of each parameter name in the MAML.
    $canonical = [ordered]@{}
    foreach ($doc in $model.Parameters.Values) {
        $real = $facts.Keys | Where-Object { $_ -eq $doc.Name } | Select-Object -First 1
        if ($real) { $doc.Name = $real; $canonical[$real] = $doc }
    }
    $model.Parameters = $canonical
    $compiled.Add([pscustomobject]@{ Command = $cmd; Model = $model; Facts = $facts; HelpFile = $helpFile })
}
foreach ($name in $cmdletPages.Keys | Sort-Object) {
    if (-not ($commands | Where-Object Name -eq $name)) {
        Add-Problem $cmdletPages[$name].Name 0 "no exported cmdlet '$name' in $([System.IO.Path]::GetFileName($ModuleManifest)) (remove the page, or export the cmdlet)"
    }
}
$aboutTexts = foreach ($page in $aboutPages) {
    [pscustomobject]@{ Name = [System.IO.Path]::GetFileNameWithoutExtension($page.Path); Text = (ConvertTo-AboutText $page) }
}

if ($Problems.Count) {
    # One line per problem on stderr too: PowerShell's concise error view folds a multi-line message into one.
    foreach ($problem in $Problems) { [Console]::Error.WriteLine("Build-CavraHelp: $problem") }
    throw ("Build-CavraHelp: {0} problem(s) in the help pages under {1}:`n  {2}" -f $Problems.Count, $DocsPath, ($Problems -join "`n  "))
}

New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
# A BOM keeps Windows PowerShell 5.1 from reading the about text as ANSI; pwsh 7 reads either.
$utf8Bom = [System.Text.UTF8Encoding]::new($true)
foreach ($group in $compiled | Group-Object HelpFile) {
    $path = Join-Path $OutputPath $group.Name
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = $utf8Bom
    $settings.NewLineChars = "`n" # the same bytes from every OS, so builds are reproducible
    $w = [System.Xml.XmlWriter]::Create($path, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        foreach ($c in $group.Group) { Write-Command $w $c.Command $c.Model $c.Facts }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
    # A line for the build log rather than objects: the build runs this in a child process and only shows text.
    Write-Host "Help: $(Get-DisplayPath $path) ($($group.Count) cmdlet(s): $(($group.Group.Command.Name) -join ', '))"
}
foreach ($a in $aboutTexts) {
    $path = Join-Path $OutputPath "$($a.Name).help.txt"
    [System.IO.File]::WriteAllText($path, $a.Text, $utf8Bom)
    Write-Host "Help: $(Get-DisplayPath $path)"
}
