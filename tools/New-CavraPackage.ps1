<#
.SYNOPSIS
    Packs the assembled module folder into a .nupkg with PSResourceGet, offline: Publish-PSResource to a temporary local
    folder repository.
.DESCRIPTION
    Nothing outside the temporary folder changes. On Linux and macOS PSResourceGet keeps its repository list under
    XDG_DATA_HOME (LocalApplicationData), so this script points XDG_DATA_HOME at a temporary folder before
    PSResourceGet loads: the repository is registered in a throw-away store, never in the user's. (On Windows that
    folder cannot be redirected by the environment; there the unique repository name and the finally block keep the
    user's store clean.) Run it in its own pwsh process, as build.ps1 does.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $OutputFolder
)
$ErrorActionPreference = 'Stop'
if (Get-Module Microsoft.PowerShell.PSResourceGet) { throw 'Run New-CavraPackage.ps1 in a fresh pwsh: PSResourceGet is already loaded, so its repository store cannot be redirected.' }
New-Item -ItemType Directory -Force -Path $OutputFolder | Out-Null
$work = Join-Path ([IO.Path]::GetTempPath()) ('cavra-package-' + [guid]::NewGuid().ToString('N'))
$staging = Join-Path $work 'repository'
$store = Join-Path $work 'data'
# The store folder must exist: .NET returns an empty LocalApplicationData for a missing one, and PSResourceGet then
# writes its store relative to the current directory.
New-Item -ItemType Directory -Path $staging, $store | Out-Null
if (-not $IsWindows) { $env:XDG_DATA_HOME = $store }
$repository = 'CavraPackage' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $repository -Uri $staging -Trusted
try {
    Publish-PSResource -Path $ModuleFolder -Repository $repository -SkipDependenciesCheck
    foreach ($package in Get-ChildItem $staging -Filter *.nupkg) {
        Copy-Item $package.FullName -Destination $OutputFolder -Force
        Join-Path $OutputFolder $package.Name
    }
}
finally {
    Unregister-PSResourceRepository -Name $repository
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
