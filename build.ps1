<#
.SYNOPSIS
    Builds, tests and demonstrates Cavra.PowerShell.
.DESCRIPTION
    Tasks:
      Build    assemble a loadable module folder in out/Cavra.PowerShell (psd1, dlls, format views, MAML help)
      Test     Build and Package, then every xUnit and Pester test; ends with "N passed, N failed" and exits non-zero on failure
      Package  Build, then out/packages/Cavra.PowerShell.<version>.nupkg, installable with PSResourceGet
      Demo     Build, then author a fresh evidence set (stamped now) and evaluate the promotion gate over it: GO, then failing closed
      Bench    run the benchmarks' quick mode and print figures
      Clean    remove build output
    Everything it needs comes from the local dotnet tool manifest and NuGet restores.
.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'Cavra.PowerShell'
$ModuleManifest = Join-Path $ModuleOut 'Cavra.PowerShell.psd1'
$ToolsPackages = Join-Path $Root '.tools/packages'
$StandInProject = Join-Path $Root 'tests/Cavra.StandInRuntime/Cavra.StandInRuntime.csproj'
# What Windows PowerShell 5.1 needs beside the module for System.Text.Json and TimeProvider (the packages' net462 closure); the Package
# test checks that this is exactly the set the module's assemblies reference and .NET Framework does not provide.
$DesktopAssemblies = @('System.Text.Json', 'Microsoft.Bcl.TimeProvider', 'System.Text.Encodings.Web', 'System.IO.Pipelines', 'Microsoft.Bcl.AsyncInterfaces', 'System.Buffers',
    'System.Memory', 'System.Numerics.Vectors', 'System.Runtime.CompilerServices.Unsafe', 'System.Threading.Tasks.Extensions', 'System.ValueTuple')
# What pwsh 7.6+ needs and does not have under the referenced name (Core/, loaded by the same handler).
$CoreAssemblies = @('Microsoft.Bcl.TimeProvider')

function Get-StandInRuntime {
    # The stand-in cavra-runtime (tests/Cavra.StandInRuntime) speaks the one-shot protocol; the demo and Pester use it.
    Invoke-Native dotnet @('build', $StandInProject, '-c', $Configuration, '--nologo', '-v', 'q') | Out-Null
    $name = if ($IsWindows) { 'Cavra.StandInRuntime.exe' } else { 'Cavra.StandInRuntime' }
    $path = Join-Path $Root "tests/Cavra.StandInRuntime/bin/$Configuration/net10.0/$name"
    if (-not (Test-Path $path)) { throw "Stand-in runtime was not built: $path" }
    return $path
}

function Get-NativeStandInRuntime {
    # A native (AOT) build of the stand-in starts in milliseconds, as the Go binary does, so one-shot figures are
    # comparable to a real cavra-runtime. Needs the platform linker; without it the bench uses the JIT stand-in.
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $dir = Join-Path $Out 'standin-native'
    $exit = Invoke-Native dotnet @('publish', $StandInProject, '-c', 'Release', '-r', $rid, '-p:StandInAot=true', '-o', $dir, '--nologo', '-v', 'q') -AllowFailure
    $name = if ($IsWindows) { 'Cavra.StandInRuntime.exe' } else { 'Cavra.StandInRuntime' }
    $path = Join-Path $dir $name
    if ($exit -ne 0 -or -not (Test-Path $path)) { Write-Warning 'The native stand-in could not be built; one-shot figures use the JIT stand-in (slower to start than cavra-runtime).'; return $null }
    return $path
}

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([Parameter(Mandatory)] [string] $Command, [string[]] $Arguments = @(), [switch] $AllowFailure)
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $Command @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) { throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE" }
    return $LASTEXITCODE
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw (Join-Path $Root 'Directory.Build.props')
    return [string] $props.Project.PropertyGroup.VersionPrefix
}

function Invoke-ChildPwsh {
    # A fresh pwsh per step: a binary module cannot be unloaded, so it never loads into the build process itself.
    param([Parameter(Mandatory)] [string[]] $Arguments, [switch] $AllowFailure)
    Push-Location $Root
    try { Invoke-Native dotnet (@('pwsh', '-NoProfile', '-NonInteractive') + $Arguments) -AllowFailure:$AllowFailure }
    finally { Pop-Location }
}

function Copy-EditionDependencies {
    <# Builds one edition's dependency project and copies exactly the listed assemblies into a subfolder of the module;
       an assembly the project starts to bring that is not listed stops the build, so nothing ships unreviewed. #>
    param([string] $Project, [string[]] $Names, [string] $Into)
    $build = Join-Path $Out ((Split-Path $Project -LeafBase).ToLowerInvariant() -replace 'dependencies$', '-dependencies')
    Invoke-Native dotnet @('build', (Join-Path $Root $Project), '-c', $Configuration, '-o', $build, '--nologo', '-v', 'q') | Out-Null
    $folder = Join-Path $ModuleOut $Into
    New-Item -ItemType Directory -Path $folder | Out-Null
    foreach ($name in $Names) {
        $from = Join-Path $build "$name.dll"
        if (-not (Test-Path -LiteralPath $from)) { throw "Build output is missing: $from" }
        Copy-Item -LiteralPath $from -Destination $folder
    }
    $project = Split-Path $Project -LeafBase
    $unexpected = Get-ChildItem $build -Filter *.dll | Where-Object { $_.BaseName -notin $Names -and $_.BaseName -ne $project }
    if ($unexpected) { throw "$project changed; review and list them in build.ps1: $($unexpected.Name -join ', ')" }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/Cavra.PowerShell/Cavra.PowerShell.csproj'), '-c', $Configuration, '--nologo', '-v', 'q') | Out-Null
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    New-Item -ItemType Directory -Force -Path $ModuleOut | Out-Null

    # An explicit file list: a layout that changes silently is a release bug.
    $bin = Join-Path $Root "src/Cavra.PowerShell/bin/$Configuration/netstandard2.0"
    $files = @(
        @{ From = Join-Path $bin 'Cavra.PowerShell.dll'; To = $ModuleOut }
        @{ From = Join-Path $bin 'Cavra.Gate.dll'; To = $ModuleOut }
        @{ From = Join-Path $Root 'module/Cavra.PowerShell.psd1'; To = $ModuleOut }
        @{ From = Join-Path $Root 'module/Cavra.PowerShell.Format.ps1xml'; To = $ModuleOut }
        # Module trust: extended type data (serialization depth for jobs and remoting) and the Pester readiness pack.
        @{ From = Join-Path $Root 'module/Cavra.PowerShell.Types.ps1xml'; To = $ModuleOut }
        @{ From = Join-Path $Root 'module/ReadinessPack/Cavra.GoPromotion.Tests.ps1'; To = Join-Path $ModuleOut 'ReadinessPack' }
        # The manifest's LicenseUri names this file; it ships in the package too.
        @{ From = Join-Path $Root 'LICENSE'; To = $ModuleOut }
    )
    foreach ($f in $files) {
        if (-not (Test-Path -LiteralPath $f.From)) { throw "Build output is missing: $($f.From)" }
        if (-not (Test-Path -LiteralPath $f.To)) { New-Item -ItemType Directory -Path $f.To | Out-Null }
        Copy-Item -LiteralPath $f.From -Destination $f.To
    }
    # Windows PowerShell 5.1 only: System.Text.Json and what it needs on .NET Framework, in Desktop/ (loaded by the
    # module's AssemblyResolve handler). pwsh 7.6+ has them in-box, so nothing of it lands beside the module's own dlls.
    Copy-EditionDependencies -Project 'tools/DesktopDependencies/DesktopDependencies.csproj' -Names $DesktopAssemblies -Into 'Desktop'
    # pwsh 7.6+ only: the TimeProvider facade (forwards to the runtime's in-box type), in Core/. Not beside the module's
    # own dlls, where Windows PowerShell's probing would find this .NET 8 build before its own copy in Desktop/.
    Copy-EditionDependencies -Project 'tools/CoreDependencies/CoreDependencies.csproj' -Names $CoreAssemblies -Into 'Core'
    Copy-ReadyToRunEngine

    Add-ReadinessApi
    Set-ManifestReleaseData


    $helpTool = Join-Path $Root 'tools/Build-CavraHelp.ps1'
    if (Test-Path $helpTool) {
        Invoke-ChildPwsh @('-File', $helpTool, '-ModuleManifest', $ModuleManifest, '-DocsPath', (Join-Path $Root 'docs/en-US'), '-OutputPath', (Join-Path $ModuleOut 'en-US')) | Out-Null
    }
    Write-Host "Module assembled: $ModuleOut ($(Get-ModuleVersion))" -ForegroundColor Green
}

function Get-ModuleVersionId {
    # An assembly's MVID: compilation output's identity, which ReadyToRun compilation keeps.
    param([Parameter(Mandatory)] [string] $Path)
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        return $md.GetGuid($md.GetModuleDefinition().Mvid)
    } finally { $stream.Dispose() }
}

function Copy-ReadyToRunEngine {
    <# pwsh on linux-x64 only: Cavra.Gate.dll ReadyToRun-compiled, in Core/linux-x64 (the module's initializer loads it
       there and the portable copy everywhere else; an image for another platform would not load). Precompiled code
       spares a first Test-CavraGoPromotion about 20 ms of JIT. The image must be the module's own Cavra.Gate.dll with
       code added (same MVID), so the cmdlets run the same engine on every platform and the readiness API. #>
    $build = Join-Path $Out 'core-readytorun'
    Invoke-Native dotnet @('publish', (Join-Path $Root 'tools/CoreReadyToRun/CoreReadyToRun.csproj'), '-c', $Configuration, '-o', $build, '--nologo', '-v', 'q') | Out-Null
    $from = Join-Path $build 'Cavra.Gate.dll'
    $portable = Join-Path $ModuleOut 'Cavra.Gate.dll'
    if (-not (Test-Path -LiteralPath $from)) { throw "Build output is missing: $from" }
    if ((Get-ModuleVersionId $from) -ne (Get-ModuleVersionId $portable)) { throw "The ReadyToRun Cavra.Gate.dll ($from) is not the module's Cavra.Gate.dll compiled ahead" }
    $folder = Join-Path $ModuleOut 'Core/linux-x64'
    New-Item -ItemType Directory -Path $folder | Out-Null
    Copy-Item -LiteralPath $from -Destination $folder
}

function Add-ReadinessApi {
    # The readiness HTTP API runs as its own process (Start-CavraReadinessApi); the module never loads ASP.NET. It is
    # framework-dependent (UseAppHost=false: `dotnet Cavra.Api.dll` on any OS) and lives in the module folder itself, so
    # it shares the module's Cavra.Gate.dll: one copy of every assembly in the package, and no debug symbols.
    # (The one other copy, Core/linux-x64/Cavra.Gate.dll, is the same assembly precompiled; pwsh there loads it instead.)
    $staging = Join-Path $Out 'api-publish'
    if (Test-Path $staging) { Remove-Item -Recurse -Force $staging }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/Cavra.Api/Cavra.Api.csproj'), '-c', $Configuration, '-o', $staging, '--nologo', '-v', 'q') | Out-Null
    foreach ($file in Get-ChildItem -LiteralPath $staging -File | Where-Object Extension -ne '.pdb') {
        $target = Join-Path $ModuleOut $file.Name
        if (Test-Path -LiteralPath $target) {
            # A shared assembly must be the very file the module loads, or the API would run other code than the cmdlets.
            if ((Get-FileHash -LiteralPath $target).Hash -ne (Get-FileHash -LiteralPath $file.FullName).Hash) { throw "The readiness API's $($file.Name) differs from the module's" }
            continue
        }
        Copy-Item -LiteralPath $file.FullName -Destination $target
    }
    foreach ($name in 'Cavra.Api.dll', 'Cavra.Api.runtimeconfig.json', 'Cavra.Api.deps.json') {
        if (-not (Test-Path (Join-Path $ModuleOut $name))) { throw "Build output is missing: $name" }
    }
    if (Get-ChildItem -LiteralPath $staging -Directory) { throw "The readiness API publishes subfolders ($staging): ship them explicitly" }
}

function Get-ReleaseNotes {
    # CHANGELOG.md (Keep a Changelog): the text of the entry '## [<version>]' of the version being built.
    param([Parameter(Mandatory)] [string] $Version)
    $lines = Get-Content -LiteralPath (Join-Path $Root 'CHANGELOG.md')
    $start = -1
    for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i] -match "^## \[$([regex]::Escape($Version))\]") { $start = $i; break } }
    if ($start -lt 0) { throw "CHANGELOG.md has no entry '## [$Version]': add one (it becomes the manifest's ReleaseNotes)" }
    $body = for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i] -notmatch '^## '; $i++) { $lines[$i] }
    $notes = (($body -join "`n").Trim())
    if (-not $notes) { throw "CHANGELOG.md's entry for $Version is empty" }
    return "## $($lines[$start].Substring(3).Trim())`n`n$notes"
}

function Set-ManifestReleaseData {
    # Stamps the assembled manifest: the version (Directory.Build.props), release notes (CHANGELOG.md), a prerelease
    # label below 1.0, and the PSIncludes_Cmdlet/PSCommand_<name> tags that Find-PSResource -CommandName searches.
    $version = Get-ModuleVersion
    $source = Import-PowerShellDataFile (Join-Path $Root 'module/Cavra.PowerShell.psd1')
    $tags = @($source.PrivateData.PSData.Tags) + 'PSIncludes_Cmdlet' + @($source.CmdletsToExport | ForEach-Object { "PSCommand_$_" })
    $notes = Get-ReleaseNotes $version
    $prerelease = if ([version] $version -lt [version] '1.0') { 'preview' } else { '' }
    $psd1 = Get-Content -Raw $ModuleManifest
    $stamps = [ordered]@{
        "ModuleVersion\s*=\s*'[^']*'" = "ModuleVersion          = '$version'"
        "Tags\s*=\s*@\([^)]*\)"        = 'Tags         = @(' + (($tags | ForEach-Object { "'$_'" }) -join ', ') + ')'
        "ReleaseNotes\s*=\s*'[^']*'"  = "ReleaseNotes = '" + $notes.Replace("'", "''") + "'"
        "Prerelease\s*=\s*'[^']*'"    = "Prerelease   = '$prerelease'"
    }
    foreach ($pattern in $stamps.Keys) {
        if ($psd1 -notmatch $pattern) { throw "module/Cavra.PowerShell.psd1 has no line matching $pattern to stamp" }
        $psd1 = [regex]::Replace($psd1, $pattern, $stamps[$pattern].Replace('$', '$$'))
    }
    [IO.File]::WriteAllText($ModuleManifest, $psd1, [Text.UTF8Encoding]::new($false))
    $check = Import-PowerShellDataFile $ModuleManifest
    if ($check.ModuleVersion -ne $version -or $check.PrivateData.PSData.ReleaseNotes -ne $notes) { throw 'The stamped manifest does not read back as written' }
}

function Get-TrxTotals {
    param([string] $Directory)
    $passed = 0; $failed = 0; $skipped = 0; $files = 0
    # Two projects finishing in the same second get names like 'x[1].trx': read them literally, never as wildcards.
    foreach ($trx in Get-ChildItem -LiteralPath $Directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        [xml] $doc = Get-Content -LiteralPath $trx.FullName -Raw
        $files++
        $c = $doc.TestRun.ResultSummary.Counters
        $passed += [int] $c.passed
        $failed += [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        $skipped += [int] $c.notExecuted
    }
    return [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped; Files = $files }
}

function Invoke-Test {
    $env:CAVRA_PACKAGE_PATH = Invoke-Package
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null
    $problems = [System.Collections.Generic.List[string]]::new()

    # xUnit: engine tests (and any other test project in the solution).
    $xunitExit = Invoke-Native dotnet @('test', (Join-Path $Root 'Cavra.PowerShell.sln'), '-c', $Configuration, '--nologo',
        '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', (Join-Path $results 'xunit')) -AllowFailure
    $xunit = Get-TrxTotals (Join-Path $results 'xunit')
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $problems.Add("dotnet test exited with $xunitExit without reporting a failed test (build error?)") }
    if ($xunit.Passed + $xunit.Failed -eq 0) { $problems.Add('xUnit ran no test') }
    $xunitProjects = @(Get-ChildItem -Path (Join-Path $Root 'tests') -Filter *.csproj -Recurse | Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -match 'Include="xunit"' })
    if ($xunit.Files -ne $xunitProjects.Count) { $problems.Add("xUnit wrote $($xunit.Files) result file(s) for $($xunitProjects.Count) test project(s)") }

    # Pester: the user-facing contract, against the assembled module in a fresh process.
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tools/Pester.Restore.csproj'), '--packages', $ToolsPackages, '--nologo', '-v', 'q') | Out-Null
    # Pester 6 runs the suite; the readiness-pack tests also run the pack under Pester 5 (both are restored, see the csproj).
    $pester = Get-Item -LiteralPath (Join-Path $ToolsPackages 'pester/6.2.0/tools/Pester.psd1') -ErrorAction Ignore
    $pester5 = Get-Item -LiteralPath (Join-Path $ToolsPackages 'pester/5.7.1/tools/Pester.psd1') -ErrorAction Ignore
    if (-not $pester -or -not $pester5) { throw 'Pester 6.2.0 and 5.7.1 were not restored' }
    $env:CAVRA_PESTER5_MANIFEST = $pester5.FullName
    $pesterJson = Join-Path $results 'pester.json'
    $env:CAVRA_STANDIN_RUNTIME = Get-StandInRuntime
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/Invoke-CavraPester.ps1'), '-PesterManifest', $pester.FullName,
        '-ModuleManifest', $ModuleManifest, '-TestPath', (Join-Path $Root 'tests/pester'),
        '-ResultPath', $pesterJson, '-JUnitPath', (Join-Path $results 'pester-junit.xml')) -AllowFailure
    if (Test-Path $pesterJson) { $p = Get-Content -Raw $pesterJson | ConvertFrom-Json }
    else { $p = [pscustomobject]@{ passed = 0; failed = 0; skipped = 0 }; $problems.Add('Pester did not report results') }
    if ($p.passed + $p.failed -eq 0) { $problems.Add('Pester ran no test') }

    $passed = $xunit.Passed + [int] $p.passed
    $failed = $xunit.Failed + [int] $p.failed + $problems.Count
    Write-Host ''
    Write-Host ("xUnit:  {0} passed, {1} failed, {2} skipped" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped)
    Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $p.passed, $p.failed, $p.skipped)
    foreach ($problem in $problems) { Write-Host "problem: $problem" -ForegroundColor Red }
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    $packages = Join-Path $Out 'packages'
    if (Test-Path $packages) { Remove-Item -Recurse -Force $packages }
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/New-CavraPackage.ps1'), '-ModuleFolder', $ModuleOut, '-OutputFolder', $packages)
    $package = Get-ChildItem $packages -Filter *.nupkg | Select-Object -First 1
    if (-not $package) { throw 'Packaging produced no .nupkg' }
    Write-Host "Package: $($package.FullName)" -ForegroundColor Green
    return $package.FullName
}

function Invoke-Demo {
    Invoke-Build
    $runtime = Get-StandInRuntime
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'examples/Invoke-Demo.ps1'), '-ModuleManifest', $ModuleManifest, '-RuntimePath', $runtime)
}

function Invoke-Bench {
    # Engine throughput (Stopwatch quick mode; run the project without --quick for BenchmarkDotNet), then pilot overhead.
    Invoke-Native dotnet @('run', '--project', (Join-Path $Root 'tests/Cavra.Benchmarks'), '-c', 'Release', '--', '--quick') | Out-Null
    Invoke-Build
    $runtime = Get-StandInRuntime
    $native = Get-NativeStandInRuntime
    # 10,000 actions, disabled (the floor) and shadow over both transports, side by side in one run.
    $benchRuntime, $label = if ($native) { $native, 'native (AOT) stand-in runtime' } else { $runtime, 'JIT stand-in runtime' }
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/Measure-PilotOverhead.ps1'), '-ModuleManifest', $ModuleManifest,
        '-RuntimePath', $benchRuntime, '-RuntimeLabel', $label, '-PolicyPath', (Join-Path $Root 'examples/policy/compiled_policy.json'))
    # Shadowing at fleet volume: every figure a ratio to the runtime's own floor (a bare client on the daemon's socket, a
    # bare loop of one-shot starts, pwsh without the module), measured in the same run; working set over 100,000 actions.
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/Measure-ShadowPipeline.ps1'), '-ModuleManifest', $ModuleManifest,
        '-RuntimePath', $benchRuntime, '-RuntimeLabel', $label, '-FloorClient', (Join-Path $Root 'tests/Cavra.Benchmarks/bin/Release/net10.0/Cavra.Benchmarks.dll'))
    # The shadow journal: with vs without -JournalPath, bytes per line, and reading a generated 200 MB journal.
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/Measure-ParityJournal.ps1'), '-ModuleManifest', $ModuleManifest,
        '-RuntimePath', $benchRuntime, '-PolicyPath', (Join-Path $Root 'examples/policy/compiled_policy.json'))
    $null = Invoke-ChildPwsh @('-File', (Join-Path $Root 'tools/Measure-ReadinessApi.ps1'), '-ModuleManifest', $ModuleManifest,
        '-RuntimePath', $runtime, '-BenchmarkProject', (Join-Path $Root 'tests/Cavra.Benchmarks'))
}

function Invoke-Clean {
    foreach ($dir in @($Out) + @(Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj -ErrorAction SilentlyContinue | ForEach-Object FullName)) {
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    }
    Write-Host 'Clean.'
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { $null = Invoke-Package }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Clean' { Invoke-Clean }
}
