BeforeAll {
    if (-not $env:CAVRA_PACKAGE_PATH) { throw 'CAVRA_PACKAGE_PATH must name the .nupkg (build.ps1 -Task Test builds it).' }
    $script:repoDir = Join-Path $TestDrive 'repository'
    $script:installDir = Join-Path $TestDrive 'installed'
    New-Item -ItemType Directory -Path $repoDir, $installDir | Out-Null
    Copy-Item $env:CAVRA_PACKAGE_PATH $repoDir
    $script:repository = 'CavraTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $repository -Uri $repoDir -Trusted
}
AfterAll {
    Unregister-PSResourceRepository -Name $script:repository -ErrorAction SilentlyContinue
}

Describe 'The Cavra.PowerShell package' {
    It 'installs with PSResourceGet and works in a new pwsh process' {
        Save-PSResource -Name Cavra.PowerShell -Repository $repository -Path $installDir -TrustRepository
        $manifest = Get-ChildItem $installDir -Recurse -Filter Cavra.PowerShell.psd1 | Select-Object -First 1
        $manifest | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $manifest.DirectoryName 'en-US/Cavra.PowerShell.dll-Help.xml') | Should -BeTrue
        Test-Path (Join-Path $manifest.DirectoryName 'api/Cavra.Api.dll') | Should -BeTrue

        $script = "`$env:PSModulePath = '$installDir' + [IO.Path]::PathSeparator + `$env:PSModulePath; " +
            "Get-ChildItem env:CAVRA_GO_* | Remove-Item; Import-Module Cavra.PowerShell -ErrorAction Stop; " +
            "'{0}|{1}|{2}' -f (Test-CavraGoPromotion -Quiet), (Get-Command -Module Cavra.PowerShell).Count, (Get-Module Cavra.PowerShell).ModuleBase"
        $hostPath = [Environment]::ProcessPath
        $arguments = if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-Command', $script) } else { @('-NoProfile', '-Command', $script) }
        $quiet, $count, $base = (& $hostPath @arguments) -split '\|'
        $quiet | Should -Be 'False'
        [int] $count | Should -Be (Import-PowerShellDataFile $env:CAVRA_MODULE_MANIFEST).CmdletsToExport.Count
        $base | Should -BeLike "$installDir*"
    }
}
