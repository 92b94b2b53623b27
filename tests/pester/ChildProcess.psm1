# Child pwsh processes for tests that need a fresh process (module load, a session that exits, crashes or is killed),
# made robust for a slow, heavily loaded machine:
# - every wait has an explicit, generous deadline, and a child that overruns it is killed with its tree;
# - the child prints a start marker as its very first statement. A child that dies inside the .NET runtime
#   ("Stack overflow.", "Internal CLR error", "Fatal error.", "Failed to create CoreCLR") before printing it never ran
#   any of the test's code (nor loaded this module): that start is retried once, and the retry is reported. A child
#   that fails in any other way, or after the marker, is never retried: that is the test's result.

$script:StartMarker = 'cavra-test-child-started'
$script:RuntimeCrash = 'Stack overflow\.|Internal CLR error|Fatal error\.|Failed to create CoreCLR'

function New-ChildStartInfo {
    param([string] $Script, [hashtable] $Environment)
    $hostPath = [Environment]::ProcessPath
    $start = [System.Diagnostics.ProcessStartInfo]::new($hostPath)
    if ((Split-Path -Leaf $hostPath) -like 'dotnet*') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command') { $start.ArgumentList.Add($a) }
    $start.ArgumentList.Add("[Console]::Out.WriteLine('$StartMarker'); [Console]::Out.Flush(); " + $Script)
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    foreach ($k in $Environment.Keys) { $start.Environment[$k] = [string] $Environment[$k] }
    return $start
}

function Stop-ChildTree([System.Diagnostics.Process] $Process) {
    try { if (-not $Process.HasExited) { $Process.Kill($true) } } catch { }
}

function Start-CavraChildPwsh {
    <#
    .SYNOPSIS
        Starts a pwsh running -Script and returns its Process once the script has started (its stdout redirected and
        positioned after the start marker; stderr collected into the note property StandardErrorText, a Task[string]).
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [int] $StartTimeoutSeconds = 600
    )
    for ($attempt = 1; ; $attempt++) {
        $process = [System.Diagnostics.Process]::Start((New-ChildStartInfo -Script $Script -Environment $Environment))
        $stderr = $process.StandardError.ReadToEndAsync()
        $first = $process.StandardOutput.ReadLineAsync()
        if (-not $first.Wait([TimeSpan]::FromSeconds($StartTimeoutSeconds))) {
            Stop-ChildTree $process
            throw "The child pwsh did not start its script within $StartTimeoutSeconds seconds."
        }
        if ($first.Result -eq $StartMarker) {
            $process | Add-Member -NotePropertyName StandardErrorText -NotePropertyValue $stderr
            return $process
        }
        $null = $process.WaitForExit(60000)
        $errorText = if ($stderr.Wait(10000)) { $stderr.Result } else { '' }
        $exit = if ($process.HasExited) { $process.ExitCode } else { 'still running' }
        Stop-ChildTree $process
        if ($attempt -eq 1 -and $null -eq $first.Result -and $errorText -match $RuntimeCrash) {
            Write-Host ("warning: the child pwsh died in the .NET runtime before running its script (exit {0}): {1}; starting it once more." -f $exit, (($errorText -split "`n" | Select-Object -First 3) -join ' | ').Trim()) -ForegroundColor Yellow
            continue
        }
        throw "The child pwsh ended before running its script (exit $exit; first line '$($first.Result)'): $errorText"
    }
}

function Invoke-CavraChildPwsh {
    <#
    .SYNOPSIS
        Runs -Script in a new pwsh to its end; returns ExitCode, Output (stdout lines after the start marker) and Error
        (stderr text). A child still running after -TimeoutSeconds is killed with its tree, and that throws.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 600
    )
    $process = Start-CavraChildPwsh -Script $Script -Environment $Environment
    try {
        $rest = $process.StandardOutput.ReadToEndAsync()
        if (-not $rest.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or -not $process.WaitForExit($TimeoutSeconds * 1000)) {
            Stop-ChildTree $process
            throw "The child pwsh did not finish within $TimeoutSeconds seconds."
        }
        $process.WaitForExit() # also drains the asynchronous readers
        $errorText = if ($process.StandardErrorText.Wait(10000)) { $process.StandardErrorText.Result } else { '' }
        $lines = @($rest.Result -split '\r?\n')
        if ($lines.Count -gt 0 -and $lines[-1] -eq '') { $lines = @($lines | Select-Object -SkipLast 1) }
        return [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $lines; Error = $errorText }
    }
    finally { $process.Dispose() }
}

Export-ModuleMember -Function Start-CavraChildPwsh, Invoke-CavraChildPwsh
