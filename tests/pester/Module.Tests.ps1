BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
}

Describe 'Cavra.PowerShell module' {
    It 'loads its own two assemblies on import and nothing heavy or third-party' {
        # A fresh process: this one already loaded the module.
        # FullName, not .GetName(): a method call on a collection goes through the dynamic binder, which loads Microsoft.CSharp.
        $script = "`$before = [AppDomain]::CurrentDomain.GetAssemblies().FullName; Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; " +
            "(([AppDomain]::CurrentDomain.GetAssemblies().FullName | Where-Object { `$_ -notin `$before }) -replace ',.*$', '') -join ','"
        # pwsh's own telemetry and update check can load System.Net.Http/System.Text.Json at any moment: switch them off.
        $child = Invoke-CavraChildPwsh -Script $script -Environment @{ POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off' }
        $child.ExitCode | Should -Be 0 -Because $child.Error
        $loaded = ($child.Output -join '') -split ','
        $loaded | Where-Object { $_ -like 'Cavra.*' } | Sort-Object | Should -Be @('Cavra.Gate', 'Cavra.PowerShell')
        # Framework System.* assemblies may load as PowerShell processes the type and format data, and PowerShell's own
        # Microsoft.PowerShell.* modules load whenever its background module-analysis warm-up gets to them; nothing else may.
        $loaded | Where-Object { $_ -notlike 'Cavra.*' -and $_ -notlike 'System.*' -and $_ -notlike 'Microsoft.PowerShell.*' } | Should -BeNullOrEmpty
        $loaded | Where-Object { $_ -like 'Microsoft.AspNetCore*' -or $_ -like 'Newtonsoft*' } | Should -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets its manifest lists, each with declared output types' {
        Import-Module $env:CAVRA_MODULE_MANIFEST -Force
        $manifest = Import-PowerShellDataFile $env:CAVRA_MODULE_MANIFEST
        $commands = Get-Command -Module Cavra.PowerShell
        $commands.Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        foreach ($c in $commands) { $c.OutputType | Should -Not -BeNullOrEmpty -Because "$($c.Name) declares its output" }
    }

    It 'has a version stamped from the build' {
        (Test-ModuleManifest $env:CAVRA_MODULE_MANIFEST).Version | Should -Not -Be ([version]'0.0.0')
    }
}
