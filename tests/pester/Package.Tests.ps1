# The .nupkg from build.ps1 -Task Package, installed the way users install it (PSResourceGet from a repository) and
# used from a new pwsh. Everything PSResourceGet writes goes to a sandbox under TestDrive: the child processes run with
# HOME pointing there (and XDG_DATA_HOME unset), which moves both PSResourceGet's repository store
# (~/.local/share/PSResourceGet) and the CurrentUser module folder (~/.local/share/powershell/Modules) into the
# sandbox, so nothing leaks into the user's store or module path. (Windows cannot redirect those folders through the
# environment; there the module is saved to a folder with Save-PSResource -Path, and the uniquely named repository is
# unregistered in a finally block.)

BeforeAll {
    if (-not $env:CAVRA_PACKAGE_PATH) { throw 'CAVRA_PACKAGE_PATH must name the .nupkg (build.ps1 -Task Test builds it).' }
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    $script:manifest = Import-PowerShellDataFile $env:CAVRA_MODULE_MANIFEST
    $script:version = (Test-ModuleManifest $env:CAVRA_MODULE_MANIFEST).Version.ToString()
    # Below 1.0 every package is a prerelease: installing and finding it takes -Prerelease.
    $script:prerelease = [string] $manifest.PrivateData.PSData.Prerelease
    $script:repoRoot = Join-Path $PSScriptRoot '../..'
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($env:CAVRA_PACKAGE_PATH)
    try { $script:entries = @($zip.Entries.FullName | ForEach-Object { [Uri]::UnescapeDataString($_) }) }
    finally { $zip.Dispose() }
    $script:sandbox = Join-Path $TestDrive 'sandbox'
    $script:repoDir = Join-Path $TestDrive 'repository'
    $script:saveDir = Join-Path $TestDrive 'saved'
    # The data folder must exist: .NET reports a missing LocalApplicationData as '', and PSResourceGet then writes its
    # store relative to the current directory.
    New-Item -ItemType Directory -Path (Join-Path $sandbox '.local/share'), $repoDir, $saveDir | Out-Null
    Copy-Item $env:CAVRA_PACKAGE_PATH $repoDir
    $script:repository = 'CavraTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:userModule = Join-Path $HOME ".local/share/powershell/Modules/Cavra.PowerShell/$version"
    $script:userModuleBefore = Test-Path -LiteralPath $userModule

    function Invoke-SandboxedPwsh {
        <# Runs a script in a new pwsh whose PSResourceGet store and CurrentUser module path are in the sandbox.
           Returns its output lines; a non-zero exit fails. #>
        param([Parameter(Mandatory)] [string] $Script)
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:PSModulePath
        $env:HOME = $sandbox
        $env:XDG_DATA_HOME = $null
        # A fresh module path: pwsh adds its own folders (the sandboxed CurrentUser one first), none of this run's.
        $env:PSModulePath = $null
        try {
            $hostPath = [Environment]::ProcessPath
            $arguments = if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Script) } else { @('-NoProfile', '-NonInteractive', '-Command', $Script) }
            $output = & $hostPath @arguments 2>&1
            if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed ($LASTEXITCODE): $($output -join "`n")" }
            return $output
        }
        finally { $env:HOME, $env:XDG_DATA_HOME, $env:PSModulePath = $saved }
    }

    # 1. Install from a local folder repository, registered only in the sandbox and unregistered afterwards.
    $install = if ($IsWindows) { "Save-PSResource -Name Cavra.PowerShell -Repository $repository -Path '$saveDir' -TrustRepository -Prerelease" }
    else { "Install-PSResource -Name Cavra.PowerShell -Repository $repository -Scope CurrentUser -TrustRepository -Prerelease" }
    $script:installOutput = Invoke-SandboxedPwsh @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name $repository -Uri '$repoDir'
try {
    # What a user types to find the module that provides a command (PSCommand_<name> tags).
    'find|' + (@(Find-PSResource -CommandName Test-CavraGoPromotion -Repository $repository -Prerelease | ForEach-Object { `$_.ParentResource.Name }) -join ',')
    'findnone|' + (@(Find-PSResource -CommandName Test-NoSuchCavraCommand -Repository $repository -Prerelease -ErrorAction Ignore).Count)
    `$found = Find-PSResource -Name Cavra.PowerShell -Repository $repository -Prerelease
    'feedversion|' + `$found.Version + '|' + `$found.Prerelease
    'feednotes|' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([string] `$found.ReleaseNotes))
    $install
    `$installed = if (`$IsWindows) { Get-InstalledPSResource -Name Cavra.PowerShell -Path '$saveDir' } else { Get-InstalledPSResource -Name Cavra.PowerShell -Scope CurrentUser }
    'installed|{0}|{1}' -f `$installed.Version, `$installed.InstalledLocation
}
finally { Unregister-PSResourceRepository -Name $repository }
'repositories|' + ((Get-PSResourceRepository).Name -join ',')
"@
    $script:installedVersion, $script:installedLocation = (($installOutput | Where-Object { "$_" -like 'installed|*' }) -split '\|')[1, 2]
    $script:feed = @{}
    foreach ($line in $installOutput) { $k, $v = "$line" -split '\|', 2; if ($k -in 'find', 'findnone', 'feedversion', 'feednotes') { $feed[$k] = $v } }
    $script:moduleBase = Get-ChildItem -LiteralPath $installedLocation -Recurse -Filter Cavra.PowerShell.psd1 | Select-Object -First 1 | ForEach-Object DirectoryName

    # 2. A new pwsh that finds the module by name (or by the saved folder on Windows) and uses it.
    $import = if ($IsWindows) { "Import-Module '$moduleBase/Cavra.PowerShell.psd1'" } else { 'Import-Module Cavra.PowerShell' }
    $script:useOutput = Invoke-SandboxedPwsh @"
`$ErrorActionPreference = 'Stop'
Get-ChildItem env:CAVRA_GO_* | Remove-Item
$import
`$module = Get-Module Cavra.PowerShell
'quiet|' + (Test-CavraGoPromotion -Quiet)
'commands|' + (@(Get-Command -Module Cavra.PowerShell).Name -join ',')
'base|' + `$module.ModuleBase
'version|' + `$module.Version
'depth|' + (Get-TypeData Cavra.Gate.Readiness.GateVerdict).SerializationDepth
'engine|' + [Cavra.Gate.Readiness.GateVerdict].Assembly.Location
'pack|' + (Get-CavraReadinessPack -AsFile).FullName
'help|' + (Get-Help Test-CavraGoPromotion).Synopsis
# No Pester 5+ on this process's module path: the container form must say so, not fail obscurely.
try { `$null = Get-CavraReadinessPack; 'pester|returned' } catch { 'pester|' + `$_.FullyQualifiedErrorId }
"@
    $script:use = @{}
    foreach ($line in $useOutput) { $k, $v = "$line" -split '\|', 2; if ($v) { $use[$k] = $v } }
}

Describe 'The Cavra.PowerShell package' {
    It 'holds every file of the assembled module folder' {
        $folder = Split-Path $env:CAVRA_MODULE_MANIFEST
        $files = Get-ChildItem -LiteralPath $folder -Recurse -File | ForEach-Object { $_.FullName.Substring($folder.Length + 1).Replace('\', '/') }
        $files | Should -Contain 'ReadinessPack/Cavra.GoPromotion.Tests.ps1'
        $files | Should -Contain 'Cavra.PowerShell.Types.ps1xml'
        foreach ($f in $files) { $entries | Should -Contain $f }
    }

    It 'ships in Desktop/ exactly the assemblies Windows PowerShell 5.1 needs, at the versions referenced' {
        # The closure of the module's references that .NET Framework does not provide: each must be in Desktop/, at the
        # referenced version or newer, and Desktop/ must hold nothing else.
        function Get-AssemblyReference([string] $Path) {
            $stream = [IO.File]::OpenRead($Path)
            try {
                $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
                foreach ($h in $md.AssemblyReferences) { $r = $md.GetAssemblyReference($h); [pscustomobject]@{ Name = $md.GetString($r.Name); Version = $r.Version } }
            }
            finally { $stream.Dispose() }
        }
        $folder = Split-Path $env:CAVRA_MODULE_MANIFEST
        $desktop = Join-Path $folder 'Desktop'
        $framework = 'mscorlib', 'netstandard', 'System', 'System.Core', 'System.Numerics', 'System.Management.Automation', 'Cavra.Gate'
        $needed = @{}
        $queue = [System.Collections.Generic.Queue[string]]::new()
        $queue.Enqueue((Join-Path $folder 'Cavra.Gate.dll')); $queue.Enqueue((Join-Path $folder 'Cavra.PowerShell.dll'))
        while ($queue.Count) {
            foreach ($ref in Get-AssemblyReference $queue.Dequeue()) {
                $file = Join-Path $desktop "$($ref.Name).dll"
                if (Test-Path -LiteralPath $file) {
                    [System.Reflection.AssemblyName]::GetAssemblyName($file).Version | Should -BeGreaterOrEqual $ref.Version -Because "$($ref.Name) $($ref.Version) is referenced"
                    if (-not $needed.ContainsKey($ref.Name)) { $needed[$ref.Name] = $true; $queue.Enqueue($file) }
                }
                else { $ref.Name | Should -BeIn $framework -Because '.NET Framework 4.x must provide what Desktop/ does not' }
            }
        }
        $needed.Keys | Should -Contain 'System.Text.Json'
        (Get-ChildItem -LiteralPath $desktop -File).BaseName | Sort-Object | Should -Be ($needed.Keys | Sort-Object)
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($env:CAVRA_PACKAGE_PATH)
        try { $entries = @($zip.Entries.FullName | ForEach-Object { [Uri]::UnescapeDataString($_) }) }
        finally { $zip.Dispose() }
        $entries | Where-Object { $_ -like 'Desktop/*' } | Sort-Object | Should -Be ((Get-ChildItem -LiteralPath $desktop -File).Name | ForEach-Object { "Desktop/$_" } | Sort-Object)
    }

    It 'ships in Core/ only what pwsh 7.6 needs and lacks under the referenced name: the TimeProvider facade' {
        # pwsh has TimeProvider in-box (System.Private.CoreLib); the netstandard2.0 engine names it in
        # Microsoft.Bcl.TimeProvider, whose .NET 8+ build forwards there. Nothing else belongs in Core/, and nothing of it
        # may sit in the module root, where Windows PowerShell's probing would find a .NET 8 build.
        $folder = Split-Path $env:CAVRA_MODULE_MANIFEST
        (Get-ChildItem -LiteralPath (Join-Path $folder 'Core') -File).Name | Should -Be @('Microsoft.Bcl.TimeProvider.dll')
        Test-Path -LiteralPath (Join-Path $folder 'Microsoft.Bcl.TimeProvider.dll') | Should -BeFalse
        $stream = [IO.File]::OpenRead((Join-Path $folder 'Core/Microsoft.Bcl.TimeProvider.dll'))
        try {
            $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
            $forwarded = foreach ($h in $md.ExportedTypes) { $t = $md.GetExportedType($h); if ($t.IsForwarder) { $md.GetString($t.Namespace) + '.' + $md.GetString($t.Name) } }
        }
        finally { $stream.Dispose() }
        $forwarded | Should -Contain 'System.TimeProvider'
        $zip = [System.IO.Compression.ZipFile]::OpenRead($env:CAVRA_PACKAGE_PATH)
        try { $entries = @($zip.Entries.FullName | ForEach-Object { [Uri]::UnescapeDataString($_) }) }
        finally { $zip.Dispose() }
        $entries | Should -Contain 'Core/Microsoft.Bcl.TimeProvider.dll'
    }

    It 'installs with PSResourceGet from a local repository' {
        $installedVersion | Should -Be $version
        $moduleBase | Should -Not -BeNullOrEmpty
        $moduleBase | Should -BeLike "$TestDrive*"
        foreach ($f in 'Cavra.PowerShell.psd1', 'Cavra.PowerShell.dll', 'Cavra.Gate.dll', 'Cavra.PowerShell.Format.ps1xml', 'Cavra.PowerShell.Types.ps1xml',
            'en-US/Cavra.PowerShell.dll-Help.xml', 'ReadinessPack/Cavra.GoPromotion.Tests.ps1', 'Cavra.Api.dll', 'LICENSE') {
            Test-Path -LiteralPath (Join-Path $moduleBase $f) | Should -BeTrue -Because "$f is part of the module"
        }
    }

    It 'is found by Find-PSResource -CommandName Test-CavraGoPromotion in a folder repository' {
        $feed.find | Should -Be 'Cavra.PowerShell'
        $feed.findnone | Should -Be '0' -Because 'a command the module does not export finds nothing'
    }

    It 'is a prerelease while the version is below 1.0' {
        if ([version] $version -lt [version] '1.0') { $prerelease | Should -Not -BeNullOrEmpty } else { $prerelease | Should -BeNullOrEmpty }
        $feed.feedversion | Should -Be "$version|$prerelease"
        $entries | Should -Contain 'Cavra.PowerShell.nuspec'
    }

    It 'ships the MIT LICENSE that the manifest''s LicenseUri names' {
        $manifest.PrivateData.PSData.LicenseUri | Should -BeLike '*/LICENSE'
        $entries | Should -Contain 'LICENSE'
        $shipped = Get-Content -Raw -LiteralPath (Join-Path $moduleBase 'LICENSE')
        $shipped | Should -BeExactly (Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'LICENSE'))
        $shipped | Should -Match '^MIT License'
        $shipped | Should -Match 'Copyright \(c\) \d{4} Cavra\.PowerShell contributors'
    }

    It 'carries the newest CHANGELOG.md entry (for this version) as its release notes' {
        $changelog = Get-Content -LiteralPath (Join-Path $repoRoot 'CHANGELOG.md')
        $first = @($changelog | Where-Object { $_ -match '^## \[\d' })[0]
        $first.StartsWith("## [$version]") | Should -BeTrue -Because 'the newest released entry is the version being packaged'
        $start = [array]::IndexOf($changelog, $first)
        $body = for ($i = $start + 1; $i -lt $changelog.Count -and $changelog[$i] -notmatch '^## '; $i++) { $changelog[$i] }
        $expected = "## $($first.Substring(3).Trim())`n`n" + ($body -join "`n").Trim()
        $manifest.PrivateData.PSData.ReleaseNotes | Should -BeExactly $expected
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($feed.feednotes)) | Should -BeExactly $expected -Because 'the feed shows the same notes'
        (Import-PowerShellDataFile (Join-Path $moduleBase 'Cavra.PowerShell.psd1')).PrivateData.PSData.ReleaseNotes | Should -BeExactly $expected
    }

    It 'has no debug symbols' {
        $entries | Where-Object { $_ -like '*.pdb' } | Should -BeNullOrEmpty
    }

    It 'ships each assembly once per load path' {
        # The module root is the load path of PowerShell 7 and of the readiness API (dotnet Cavra.Api.dll). A subfolder
        # holding assemblies (say one loaded only on Windows PowerShell) adds to the root's, so none may repeat them.
        $dlls = @($entries | Where-Object { $_ -like '*.dll' })
        $root = @($dlls | Where-Object { $_ -notmatch '/' })
        $root | Should -Contain 'Cavra.Gate.dll'
        $root | Should -Contain 'Cavra.Api.dll'
        # The one exception replaces a root assembly instead of adding to it: the engine precompiled for linux-x64, which
        # the module's initializer loads instead of the root copy on that platform only (see the next test).
        $repeated = foreach ($dll in $dlls | Where-Object { $_ -match '/' -and $_ -ne 'Core/linux-x64/Cavra.Gate.dll' }) { if ((Split-Path -Leaf $dll) -in $root) { $dll } }
        $repeated | Should -BeNullOrEmpty
    }

    It 'ships in Core/linux-x64/ only the engine, ReadyToRun-compiled from the very Cavra.Gate.dll of the root, and pwsh there loads it' {
        $entries | Where-Object { $_ -like 'Core/linux-x64/*' } | Should -Be @('Core/linux-x64/Cavra.Gate.dll')
        $folder = Split-Path $env:CAVRA_MODULE_MANIFEST
        $read = {
            param($Path)
            $stream = [IO.File]::OpenRead($Path)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                [pscustomobject]@{ Mvid = $md.GetGuid($md.GetModuleDefinition().Mvid); Machine = [int] $pe.PEHeaders.CoffHeader.Machine
                    Precompiled = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 }
            }
            finally { $stream.Dispose() }
        }
        $portable = & $read (Join-Path $folder 'Cavra.Gate.dll')
        $precompiled = & $read (Join-Path $folder 'Core/linux-x64/Cavra.Gate.dll')
        $precompiled.Mvid | Should -Be $portable.Mvid -Because 'the same compilation, with native code added'
        $portable.Precompiled | Should -BeFalse
        $precompiled.Precompiled | Should -BeTrue
        # crossgen2 marks an image for Linux by XOR-ing the machine with 0x7B79; .NET refuses it on any other platform.
        $precompiled.Machine | Should -Be (0x8664 -bxor 0x7B79)
        $onLinuxX64 = $IsLinux -and [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'X64'
        $use.engine | Should -Be (Join-Path $moduleBase $(if ($onLinuxX64) { 'Core/linux-x64/Cavra.Gate.dll' } else { 'Cavra.Gate.dll' }))
    }

    It 'runs the readiness API with dotnet on any OS: a framework-dependent Cavra.Api.dll, no native launcher' {
        $entries | Should -Not -Contain 'Cavra.Api'
        $entries | Should -Not -Contain 'Cavra.Api.exe'
        $config = Get-Content -Raw -LiteralPath (Join-Path $moduleBase 'Cavra.Api.runtimeconfig.json') | ConvertFrom-Json
        @($config.runtimeOptions.framework.name) + @($config.runtimeOptions.frameworks.name) | Should -Contain 'Microsoft.AspNetCore.App'
        $dotnet = if ($env:DOTNET_HOST_PATH) { $env:DOTNET_HOST_PATH } else { 'dotnet' }
        $help = & $dotnet (Join-Path $moduleBase 'Cavra.Api.dll') --help 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($help -join "`n")
        ($help -join "`n") | Should -Match '--port'
    }

    It 'works in a new pwsh: Test-CavraGoPromotion -Quiet is $false with no configuration' {
        $use.base | Should -Be $moduleBase
        $use.version | Should -Be $version
        $use.quiet | Should -Be 'False'
    }

    It 'exports every cmdlet of the manifest, with its help, types and readiness pack' {
        ($use.commands -split ',') | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $use.depth | Should -Be '3'
        $use.pack | Should -Be (Join-Path $moduleBase 'ReadinessPack/Cavra.GoPromotion.Tests.ps1')
        $use.help | Should -BeLike 'Evaluates the Go backend promotion gate*'
    }

    It 'says how to get Pester when the readiness pack is asked for as a container without it' {
        $use.pester | Should -Be 'PesterNotAvailable,Cavra.PowerShell.Commands.GetCavraReadinessPackCommand'
    }

    It 'leaves nothing behind: no repository in the sandbox or the user''s store, no module in the user''s folder' {
        ($installOutput | Where-Object { "$_" -like 'repositories|*' }) | Should -Not -BeLike "*$repository*"
        $userStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
        if (Test-Path -LiteralPath $userStore) { Get-Content -Raw -LiteralPath $userStore | Should -Not -Match $repository }
        $installedLocation | Should -BeLike "$TestDrive*"
        Test-Path -LiteralPath $userModule | Should -Be $userModuleBefore
    }
}
