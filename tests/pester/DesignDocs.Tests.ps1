# The repository stands alone: nothing cites a document outside it, and every citation of the design
# (docs/design/<file>.md §N) names a file and a section heading that exist. Needs only the source tree, not the module.
# Files are the tracked ones (git ls-files) when git is available, else every file outside build output.

BeforeAll {
    $script:Root = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    if (-not (Test-Path -LiteralPath (Join-Path $Root 'Cavra.PowerShell.sln'))) { throw "DesignDocs.Tests.ps1: no Cavra.PowerShell.sln in '$Root'." }
    $script:Design = Join-Path $Root 'docs/design'

    function Get-RepositoryTextFile {
        <# Repository-relative paths (forward slashes) of the tracked text files. #>
        $paths = $null
        if ((Get-Command git -ErrorAction Ignore) -and (Test-Path -LiteralPath (Join-Path $Root '.git'))) {
            $paths = @(git -C $Root ls-files 2>$null)
            if ($LASTEXITCODE -ne 0) { $paths = $null }
        }
        if ($null -eq $paths) {
            $skip = '(^|/)(\.git|bin|obj|out|\.tools|TestResults|BenchmarkDotNet\.Artifacts)(/|$)'
            $paths = @(Get-ChildItem -LiteralPath $Root -Recurse -File -Force | ForEach-Object {
                    [System.IO.Path]::GetRelativePath($Root, $_.FullName).Replace('\', '/') } | Where-Object { $_ -notmatch $skip })
        }
        foreach ($p in $paths) {
            $full = Join-Path $Root $p
            if (-not (Test-Path -LiteralPath $full -PathType Leaf)) { continue } # deleted in the working tree
            $bytes = [System.IO.File]::ReadAllBytes($full)
            if ([Array]::IndexOf($bytes, [byte] 0) -ge 0) { continue } # binary
            [pscustomobject]@{ Path = $p; Text = [System.Text.Encoding]::UTF8.GetString($bytes) }
        }
    }

    function Get-SectionNumber {
        <# The section numbers of a design file's headings: '## §4.1 Title' (this project's style) or '## 4.1 Title'. #>
        param([string] $Path)
        $numbers = [System.Collections.Generic.HashSet[string]]::new()
        foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
            if ($line -match '^#{1,6}\s+§?(\d+(?:\.\d+)*)\.?\s') { [void] $numbers.Add($Matches[1]) }
        }
        return , $numbers
    }

    $script:Files = @(Get-RepositoryTextFile)
}

Describe 'The repository stands alone' {
    It 'finds the repository''s files' {
        $Files.Count | Should -BeGreaterThan 100
        $Files.Path | Should -Contain 'docs/design/README.md'
    }

    It 'cites no document outside the repository' {
        # Built from pieces so this file does not match itself; the one allowed hit is the conformance data's note on origin.
        # Absolute paths to the spec's folders count too: the repository must not read them at any step.
        $outside = '\.\./shared|/shared/(spec|conformance)|spec[ ]README|' + ((@('gate', 'pilot', 'decision-engine') | ForEach-Object { [regex]::Escape("$_.md") }) -join '|')
        $hits = foreach ($f in $Files) {
            if ($f.Path -eq 'tests/conformance/README.md' -or $f.Text -notmatch $outside) { continue }
            $n = 0
            foreach ($line in $f.Text -split "`n") {
                $n++
                if ($line -match $outside) { "$($f.Path):${n}: $($line.Trim())" }
            }
        }
        $hits | Should -BeNullOrEmpty
    }

    It 'has no design file named after the upstream spec' {
        foreach ($name in 'gate', 'pilot', 'decision-engine') {
            Test-Path -LiteralPath (Join-Path $Design "$name.md") | Should -BeFalse -Because 'docs/design describes this project in its own words'
        }
    }
}

Describe 'Citations of the design' {
    It 'name an existing docs/design file and section heading' {
        $sections = @{}
        $problems = foreach ($f in $Files) {
            if ($f.Path -notlike 'docs/design/*' -and -not $f.Text.Contains('docs/design/')) { continue }
            $found = @([regex]::Matches($f.Text, 'docs/design/(?<file>[\w.-]+?\.md)(?:\s*§(?<sec>\d+(?:\.\d+)*))?'))
            # Inside docs/design, a sibling is cited by its bare name: 'evaluation.md §4'.
            if ($f.Path -like 'docs/design/*') { $found += @([regex]::Matches($f.Text, '(?<![\w/.-])(?<file>[\w-]+\.md)\s*§(?<sec>\d+(?:\.\d+)*)')) }
            foreach ($m in $found) {
                $file = $m.Groups['file'].Value
                $section = $m.Groups['sec'].Value
                $at = "$($f.Path):$($f.Text.Substring(0, $m.Index).Split([char] 10).Count)"
                $target = Join-Path $Design $file
                if (-not (Test-Path -LiteralPath $target -PathType Leaf)) { "${at}: docs/design/$file does not exist"; continue }
                if (-not $section) { continue }
                if (-not $sections.ContainsKey($file)) { $sections[$file] = Get-SectionNumber $target }
                if (-not $sections[$file].Contains($section)) { "${at}: docs/design/$file has no section §$section" }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'are used: the code cites the design' {
        # Guards the check above against a pattern that silently matches nothing.
        @($Files | Where-Object { $_.Path -like 'src/*' -and $_.Text -match 'docs/design/\w+\.md §\d' }).Count | Should -BeGreaterThan 30
    }
}

Describe 'The design documents' {
    It 'are all present, each with numbered sections and no placeholder' {
        $problems = foreach ($name in 'README', 'configuration', 'evidence', 'readiness', 'decisions', 'runtime-protocol', 'evaluation', 'http-api') {
            $path = Join-Path $Design "$name.md"
            if (-not (Test-Path -LiteralPath $path)) { "docs/design/$name.md is missing"; continue }
            if ((Get-SectionNumber $path).Count -lt 3) { "docs/design/$name.md has fewer than three numbered sections" }
            $text = [System.IO.File]::ReadAllText($path)
            if ($text -cmatch '(?m)^\s*(TODO|TBD)\b') { "docs/design/$name.md still has a placeholder" }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'link each of the eight from the index' {
        $index = [System.IO.File]::ReadAllText((Join-Path $Design 'README.md'))
        $missing = foreach ($name in 'configuration', 'evidence', 'readiness', 'decisions', 'runtime-protocol', 'evaluation', 'http-api') {
            if ($index -notmatch "\]\($([regex]::Escape($name))\.md\)") { "$name.md" }
        }
        $missing | Should -BeNullOrEmpty -Because 'docs/design/README.md indexes the design documents'
    }
}
