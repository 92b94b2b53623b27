<#
.SYNOPSIS
    Runs the Pester suite against the assembled module in this (child) process and writes the totals to a JSON file.
.NOTES
    build.ps1 runs this in a fresh pwsh so the binary module never loads into the build process (it cannot be unloaded).
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $JUnitPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$env:CAVRA_MODULE_MANIFEST = $ModuleManifest
$env:CAVRA_PESTER_MANIFEST = $PesterManifest   # the readiness-pack tests run Pester in a child process
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Output.RenderMode = 'Plaintext'
if ($JUnitPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = $JUnitPath
}
$result = Invoke-Pester -Configuration $config
[ordered]@{
    passed  = $result.PassedCount
    failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath -Encoding utf8
