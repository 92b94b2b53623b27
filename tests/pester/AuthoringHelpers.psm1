# Helpers for the evidence-authoring tests: child pwsh processes on the same host (dotnet pwsh may not resolve from
# TestDrive) and the writer's crash seam.

function Get-CavraChildPwshStartInfo {
    <# A ProcessStartInfo for a fresh pwsh running $Command, with the module manifest in CAVRA_MODULE_MANIFEST.
       Start-up work a test child does not need (telemetry, update check, dynamic PGO) is switched off: 20 of them
       share 2 cores. #>
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    $hostPath = [Environment]::ProcessPath
    $psi = [System.Diagnostics.ProcessStartInfo]::new($hostPath)
    if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['CAVRA_MODULE_MANIFEST'] = $env:CAVRA_MODULE_MANIFEST
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    $psi.Environment['DOTNET_TieredPGO'] = '0'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string] $Environment[$k] }
    return $psi
}

function Invoke-CavraChildPwsh {
    <# Runs $Command in a fresh pwsh and returns its exit code, standard output and standard error. #>
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 60)
    $p = [System.Diagnostics.Process]::Start((Get-CavraChildPwshStartInfo -Command $Command -Environment $Environment))
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) { $p.Kill($true); throw "child pwsh did not finish in $TimeoutSeconds s" }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Error = $err.Result }
}

function Set-CavraWriterCrashSeam {
    <# Installs (or, with no argument, removes) the writer's test seam: called after the temporary file is written and
       flushed, before it replaces the target. -FailWithIOException installs an I/O failure at that point. #>
    param([Action[string]] $Action, [switch] $FailWithIOException)
    # Directory.Delete on the temporary *file* throws an IOException (DirectoryNotFoundException), as a failing disk would.
    # A scriptblock cannot stand in: an exception thrown in one reaches C# as a RuntimeException.
    if ($FailWithIOException) { $Action = [Action[string]] [System.IO.Directory]::Delete }
    $seam = [Cavra.Gate.FileSystem.AtomicFileWriter].GetProperty('AfterTemporaryFileWritten', [Reflection.BindingFlags] 'NonPublic, Static')
    $seam.SetValue($null, $Action)
}

Export-ModuleMember -Function Get-CavraChildPwshStartInfo, Invoke-CavraChildPwsh, Set-CavraWriterCrashSeam
