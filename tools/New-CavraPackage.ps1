<#
.SYNOPSIS
    Packs the assembled module folder into a .nupkg with PSResourceGet (offline: a temporary local repository).
#>
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $OutputFolder
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $OutputFolder | Out-Null
$staging = Join-Path ([IO.Path]::GetTempPath()) ("cavra-package-" + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $staging | Out-Null
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
    Remove-Item -Recurse -Force $staging -ErrorAction SilentlyContinue
}
