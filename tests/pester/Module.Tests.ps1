BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force

    function Invoke-ChildPwsh([string] $Script) {
        # A fresh process: this one already loaded the module. No telemetry or update check, which load assemblies too.
        $pwsh = [Environment]::ProcessPath
        $arguments = if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-Command', $Script) } else { @('-NoProfile', '-Command', $Script) }
        $env:POWERSHELL_TELEMETRY_OPTOUT = '1'; $env:POWERSHELL_UPDATECHECK = 'Off'
        try { & $pwsh @arguments }
        finally { Remove-Item env:POWERSHELL_TELEMETRY_OPTOUT, env:POWERSHELL_UPDATECHECK -ErrorAction SilentlyContinue }
    }
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

    It 'uses the host''s System.Text.Json on pwsh 7.6: one copy in the process, none beside the module' {
        $script = "Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; `$null = Test-CavraGoPromotion -AsJson; " +
            "@([IO.Path]::GetDirectoryName([object].Assembly.Location)) + @([AppDomain]::CurrentDomain.GetAssemblies() | " +
            "Where-Object { `$_.GetName().Name -eq 'System.Text.Json' } | ForEach-Object { [IO.Path]::GetDirectoryName(`$_.Location) }) -join '|'"
        $runtimeDir, $jsonDirs = (Invoke-ChildPwsh $script) -split '\|'
        @($jsonDirs).Count | Should -Be 1 -Because 'the module must not bring a second System.Text.Json'
        $jsonDirs | Should -Be $runtimeDir -Because 'the copy in use is the one pwsh ships with its runtime'
        $folder = Split-Path $env:CAVRA_MODULE_MANIFEST
        # Cavra.Api.dll is the readiness API host: it runs in its own process (dotnet Cavra.Api.dll), never in the session.
        (Get-ChildItem -LiteralPath $folder -Filter *.dll).Name | Sort-Object | Should -Be @('Cavra.Api.dll', 'Cavra.Gate.dll', 'Cavra.PowerShell.dll')
    }

    It 'uses the runtime''s own TimeProvider on pwsh 7.6, through the facade in Core/ and only once the clock is read' {
        $script = "`$before = [AppDomain]::CurrentDomain.GetAssemblies().FullName; Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; " +
            "`$atImport = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Bcl.TimeProvider' }).Count; " +
            "`$null = Test-CavraGoPromotion; " +
            "`$facade = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Bcl.TimeProvider' }); " +
            "'{0}|{1}|{2}|{3}' -f `$atImport, `$facade.Count, [IO.Path]::GetRelativePath('$(Split-Path $env:CAVRA_MODULE_MANIFEST)', `$facade[0].Location).Replace('\', '/'), [System.TimeProvider].Assembly.GetName().Name"
        Invoke-ChildPwsh $script | Should -Be '0|1|Core/Microsoft.Bcl.TimeProvider.dll|System.Private.CoreLib'
    }

    It 'loads the engine on import: the ReadyToRun copy in Core/linux-x64 on linux-x64, the portable one beside the module elsewhere' {
        # The initializer chooses the copy, so nothing may load Cavra.Gate before it runs (PowerShell lists the cmdlets'
        # types first: an enum-typed field in a cmdlet would do it) and the manifest names no RequiredAssemblies.
        $script = "Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; " +
            "[IO.Path]::GetRelativePath('$(Split-Path $env:CAVRA_MODULE_MANIFEST)', [Cavra.Gate.Readiness.GateVerdict].Assembly.Location).Replace('\', '/')"
        $onLinuxX64 = $IsLinux -and [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'X64'
        Invoke-ChildPwsh $script | Should -Be $(if ($onLinuxX64) { 'Core/linux-x64/Cavra.Gate.dll' } else { 'Cavra.Gate.dll' })
        (Import-PowerShellDataFile $env:CAVRA_MODULE_MANIFEST).Keys | Should -Not -Contain 'RequiredAssemblies'
    }

    It 'imports and writes JSON in a session that already loaded another module''s System.Text.Json' {
        # Another module isolating its own copy (here: the Windows PowerShell one the package ships) in its own load context.
        $other = Join-Path (Split-Path $env:CAVRA_MODULE_MANIFEST) 'Desktop/System.Text.Json.dll'
        $script = "`$alc = [System.Runtime.Loader.AssemblyLoadContext]::new('other-module', `$true); `$null = `$alc.LoadFromAssemblyPath('$other'); " +
            "`$null = [System.Text.Json.JsonDocument]::Parse('{}'); Import-Module '$($env:CAVRA_MODULE_MANIFEST)'; " +
            "(Test-CavraGoPromotion -AsJson | ConvertFrom-Json).mode + '|' + @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'System.Text.Json' }).Count"
        Invoke-ChildPwsh $script | Should -Be 'disabled|2'
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
